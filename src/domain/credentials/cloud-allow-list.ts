import { providerOf, type CloudSource } from './cloud-source.js';

/**
 * What distributions may have regcred mint for (`REGCRED_CLOUD_ALLOW`): the cloud identity is the
 * service's own, so a distribution may not name any account, role or registry it likes. Entries:
 * `ecr:<account>:<region>`, `ecr-role:<roleArn>`, `gar:<host>`, `acr:<registry-host>`; one ending in
 * `*` matches any rest. Empty: cloud sources are off.
 */
export type CloudAllowList = readonly string[];

const KINDS = ['ecr:', 'ecr-role:', 'gar:', 'acr:'] as const;

/** Why an entry of REGCRED_CLOUD_ALLOW cannot be used, or undefined. */
export function allowEntryProblem(entry: string): string | undefined {
  if (!KINDS.some((kind) => entry.startsWith(kind) && entry.length > kind.length))
    return `"${entry.slice(0, 60)}" must start with one of ${KINDS.join(', ')} and name something`;
  if (entry.indexOf('*') !== -1 && entry.indexOf('*') !== entry.length - 1) return `"${entry.slice(0, 60)}": "*" may only end an entry`;
  if (entry.startsWith('ecr:') && !entry.endsWith('*') && entry.split(':').length !== 3)
    return `"${entry.slice(0, 60)}" must be ecr:<account>:<region> (or end in "*")`;
  return undefined;
}

function allows(allow: CloudAllowList, wanted: string): boolean {
  return allow.some((entry) => (entry.endsWith('*') ? wanted.startsWith(entry.slice(0, -1)) : wanted === entry));
}

/** The entries a source needs, each of which the allow-list must match. */
export function allowEntriesNeeded(source: CloudSource): string[] {
  if ('ecr' in source) {
    const { region, registryIds, roleArn } = source.ecr;
    return [...registryIds.map((id) => `ecr:${id}:${region}`), ...(roleArn ? [`ecr-role:${roleArn}`] : [])];
  }
  if ('googleArtifactRegistry' in source) return source.googleArtifactRegistry.hosts.map((h) => `gar:${h.toLowerCase()}`);
  return source.acr.hosts.map((h) => `acr:${h.toLowerCase()}`);
}

/**
 * Why regcred may not mint for this source, naming the first entry the allow-list lacks, or
 * undefined when every account, role and host is allowed.
 */
export function cloudAllowProblem(source: CloudSource, allow: CloudAllowList): string | undefined {
  const provider = providerOf(source);
  if (allow.length === 0) return `cloud sources are off in this installation (REGCRED_CLOUD_ALLOW is empty); ${provider} cannot be used`;
  const refused = allowEntriesNeeded(source).find((wanted) => !allows(allow, wanted));
  return refused === undefined
    ? undefined
    : `"${refused.slice(0, 120)}" is not in REGCRED_CLOUD_ALLOW; regcred mints only for what its operator allowed`;
}
