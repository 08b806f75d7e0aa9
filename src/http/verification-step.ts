import { setMaxListeners } from 'node:events';
import { LISTENERS_PER_REQUEST, requestSignal } from './request-signal.js';
import type { Response } from 'express';
import { parseDockerConfigFile } from '../domain/docker-config/parse-docker-config.js';
import { withRepository } from './write-input.js';
import type { RegistryCredential } from '../domain/docker-config/credential-schemas.js';
import type { RegistryVerification, RegistryVerifier, VerifyMode } from '../domain/verify/registry-verifier.js';
import { enforceVerification, verifyRegistries } from '../domain/verify/verify-credentials.js';
import { ValidationError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { shareKeyOf } from './access.js';

export interface VerificationStep {
  /** Registry answers, present when verification ran. */
  verification?: RegistryVerification[];
  /** One per registry short of `valid`. */
  warnings: string[];
}

/** Where registry i's credentials are in the request, for a 422's `errors[].path`. */
export type FieldOf = (index: number) => string;

/** The field naming each registry in a credentials body: the single form's `password`, or `registries/i/password`. */
export function credentialsFieldOf(body: { registries?: unknown[] }): FieldOf {
  return body.registries ? (i) => `registries/${i}/password` : () => 'password';
}

export const dockerConfigFieldOf =
  (registries: readonly RegistryCredential[]): FieldOf =>
  (i) =>
    `auths/${registries[i]?.server ?? i}`;

/**
 * Runs the caller's `verify` mode over the registries of a request, within `deadlineMs` and while
 * the request's signal (see requestSignal) holds, within the caller's share of the verifier's slots (all its
 * requests together), counting outcomes. Without `verify` a named repository is a mistake worth
 * saying (it would otherwise be silently ignored).
 * @throws VerificationFailedError (422), RegistryUnverifiableError (502) under verify=required
 */
export function verificationStep(verifier: RegistryVerifier, metrics: Pick<Metrics, 'registryVerifications'>, deadlineMs: number) {
  return async (
    mode: VerifyMode | undefined,
    registries: readonly RegistryCredential[],
    fieldOf: FieldOf,
    // The response, not its signal: most requests do not verify, and the signal costs an AbortController and a listener.
    res: Response,
  ): Promise<VerificationStep> => {
    if (!mode || mode === 'false') {
      if (registries.some((r) => r.repository)) {
        throw new ValidationError('a repository is only checked with verify', [
          { path: 'repository', code: 'requires_verify', message: 'is only used with ?verify=true or ?verify=required' },
        ]);
      }
      return { warnings: [] };
    }
    const signal = requestSignal(res);
    // One deadline for the whole request, however many registries wait for a verification slot.
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(deadlineMs)]);
    // Each registry of the request (up to 100) listens on it while it waits for a slot or runs.
    setMaxListeners(LISTENERS_PER_REQUEST, deadline);
    const outcomes = await verifyRegistries(verifier, registries, deadline, shareKeyOf(res.locals));
    for (const { verification } of outcomes)
      metrics.registryVerifications.inc({ status: verification.status, method: verification.method });
    const warnings = enforceVerification(mode, outcomes, fieldOf);
    return { verification: outcomes.map((o) => o.verification), warnings };
  };
}

/**
 * The registries of an uploaded config.json (multipart part or raw body), each with the query's
 * `repository`, checked in the caller's `verify` mode; `warnings` holds the upload's and the check's.
 * @throws what parseDockerConfigFile and the verification step throw
 */
export async function checkedDockerConfig(
  verify: ReturnType<typeof verificationStep>,
  upload: Buffer,
  res: Response,
  query: { verify?: VerifyMode; repository?: string },
): Promise<VerificationStep & { registries: RegistryCredential[] }> {
  const parsed = parseDockerConfigFile(upload);
  const registries = withRepository(parsed.registries, query.repository);
  const checked = await verify(query.verify, registries, dockerConfigFieldOf(registries), res);
  return { ...checked, registries, warnings: [...parsed.warnings, ...checked.warnings] };
}

/** For answers that carry a manifest, not a view: one `Regcred-Verification` header, `server=status` per registry. */
export function setVerificationHeader(res: Response, verification: readonly RegistryVerification[] | undefined): void {
  if (!verification) return;
  res.setHeader('Regcred-Verification', verification.map((v) => `${v.server.replace(/[^\x21-\x7e]|,/g, '?')}=${v.status}`).join(', '));
}
