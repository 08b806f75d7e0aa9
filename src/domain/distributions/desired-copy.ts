import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { parseDockerConfigFile } from '../docker-config/parse-docker-config.js';
import { DOCKER_CONFIG_JSON_KEY, DOCKER_CONFIG_JSON_TYPE, type SecretDraft, type SecretObject } from '../kubernetes/secret.js';

/** What every copy of a distribution carries: the source's `.dockerconfigjson`, and its hash. */
export interface DesiredCopy {
  data: Record<string, string>;
  /** dataDigest of each value of `data`: what a copy cached in digested form is compared with. */
  digests: Record<string, string>;
  contentHash: string;
}

export type SourceReading = { desired: DesiredCopy } | { problem: string };

/**
 * The copy a source Secret (or one about to be written) asks for, or why it cannot be distributed. A source that is missing or
 * not a readable config.json never removes or changes copies: they keep the last good content.
 */
export function desiredCopyOf(source: SecretObject | SecretDraft | undefined, where: { namespace: string; name: string }): SourceReading {
  const named = `source secret "${where.name}" in namespace "${where.namespace}"`;
  if (!source) return { problem: `${named} does not exist; copies are left as they are` };
  if (source.type !== DOCKER_CONFIG_JSON_TYPE) return { problem: `${named} is not of type ${DOCKER_CONFIG_JSON_TYPE}` };
  const encoded = source.data[DOCKER_CONFIG_JSON_KEY];
  if (encoded === undefined) return { problem: `${named} has no ${DOCKER_CONFIG_JSON_KEY} key` };
  const raw = Buffer.from(encoded, 'base64');
  try {
    parseDockerConfigFile(raw);
  } catch {
    return { problem: `${named} does not hold a valid config.json` };
  }
  const data = { [DOCKER_CONFIG_JSON_KEY]: raw.toString('base64') };
  return { desired: { data, digests: digestsOf(data), contentHash: contentHashOf(raw) } };
}

/** `sha256:` and the first 16 hex digits of the config.json's bytes: tells copies apart, reveals nothing usable. */
export function contentHashOf(raw: Uint8Array): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

/**
 * A stand-in for a Secret value in a cache: a controller over many copies keeps their digests, not
 * up to 1 MiB of data each. Never equal to a real value (base64 has no ":").
 */
export function dataDigest(value: string): string {
  return `digest:${createHash('sha256').update(value).digest('base64url')}`;
}

export function digestsOf(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, dataDigest(value)]));
}
