import { AppError, type FieldError } from '../../errors.js';
import type { RegistryVerification, RegistryVerifier, VerificationOutcome, VerificationTarget, VerifyMode } from './registry-verifier.js';

/**
 * The registries of one request, all handed to the verifier at once: it bounds how many run, in all
 * and for one `caller` across its requests. When `signal` aborts, checks not yet started are answered
 * without contacting anyone.
 */
export async function verifyRegistries(
  verifier: RegistryVerifier,
  registries: readonly VerificationTarget[],
  signal?: AbortSignal,
  caller?: string,
): Promise<VerificationOutcome[]> {
  return Promise.all(
    registries.map((r) =>
      verifier.verify({ server: r.server, username: r.username, password: r.password, repository: r.repository }, signal, caller),
    ),
  );
}

/** The credentials were refused, or the target is not acceptable: 422, nothing written. */
export class VerificationFailedError extends AppError {
  constructor(
    errors: FieldError[],
    readonly verification: RegistryVerification[],
  ) {
    super(422, 'Verification Failed', 'a registry did not accept these credentials; nothing was written', errors);
    this.extensions = { verification };
  }
}

/** A registry could not be asked: 502 under verify=required, nothing written. */
export class RegistryUnverifiableError extends AppError {
  constructor(
    detail: string,
    readonly verification: RegistryVerification[],
  ) {
    super(502, 'Bad Gateway', detail);
    this.extensions = { verification };
  }
}

const REFUSING = new Set(['invalid', 'not-a-registry']);
const UNCHECKABLE = new Set(['unreachable', 'error']);

/**
 * Applies the caller's verify mode: under `required`, a refusal (invalid, not a registry, or a target
 * the egress guard refuses) is a 422 naming the field, and a registry that could not be asked is a 502.
 * Otherwise it returns warnings for everything short of `valid`. `fieldOf(i)` names registry i's
 * field in the request (e.g. `password` or `registries/1/password`).
 */
export function enforceVerification(
  mode: VerifyMode,
  outcomes: readonly VerificationOutcome[],
  fieldOf: (index: number) => string,
): string[] {
  const results = outcomes.map((o) => o.verification);
  if (mode === 'required') {
    const refused = outcomes.flatMap((o, i) =>
      REFUSING.has(o.verification.status) || o.refusedByGuard
        ? [
            {
              path: fieldOf(i),
              code: `verification_${o.verification.status}`,
              message: `${o.verification.server}: ${o.verification.detail}`,
            },
          ]
        : [],
    );
    if (refused.length > 0) throw new VerificationFailedError(refused, results);
    const unchecked = results.filter((r) => UNCHECKABLE.has(r.status));
    if (unchecked.length > 0) {
      throw new RegistryUnverifiableError(
        `could not verify with ${unchecked.map((r) => `${r.server} (${r.status}: ${r.detail})`).join('; ')}; nothing was written`,
        results,
      );
    }
  }
  return results.filter((r) => r.status !== 'valid').map((r) => `verification of ${r.server}: ${r.status} — ${r.detail}`);
}
