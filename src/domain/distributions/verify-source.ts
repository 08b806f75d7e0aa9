import { Buffer } from 'node:buffer';
import { parseDockerConfigFile } from '../docker-config/parse-docker-config.js';
import { DOCKER_CONFIG_JSON_KEY } from '../kubernetes/secret.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import type { RegistryVerifier } from '../verify/registry-verifier.js';
import { verifyRegistries } from '../verify/verify-credentials.js';
import type { DesiredCopy } from './desired-copy.js';

const ACCEPTED = new Set(['valid', 'no-auth-required']);

/**
 * Checks a source's credentials with every registry it names, as `?verify=required` does for a
 * write: undefined when all accepted them, else why not, in words safe to show.
 */
export async function sourceVerificationProblem(
  verifier: RegistryVerifier,
  desired: DesiredCopy,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const { registries } = parseDockerConfigFile(Buffer.from(desired.data[DOCKER_CONFIG_JSON_KEY] ?? '', 'base64'));
  const outcomes = await verifyRegistries(verifier, registries, signal, 'distribution-controller');
  const refused = outcomes.map((o) => o.verification).filter((v) => !ACCEPTED.has(v.status));
  if (refused.length === 0) return undefined;
  return refused.map((v) => `${redactUserinfo(v.server)} answered ${v.status}: ${v.detail}`).join('; ');
}
