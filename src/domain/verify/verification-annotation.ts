import { z } from 'zod';
import { VERIFICATION_STATUSES, type RegistryVerification } from './registry-verifier.js';

/** Where a Secret records what its last verification found: per registry, the status and when; never any secret. */
export const VERIFICATION_ANNOTATION = 'regcred.io/last-verification';

export const lastVerificationSchema = z
  .array(z.strictObject({ server: z.string(), status: z.enum(VERIFICATION_STATUSES), checkedAt: z.string() }))
  .meta({
    id: 'LastVerification',
    description: `What the last verification that changed a status found, from the \`${VERIFICATION_ANNOTATION}\` annotation: per registry, its status and when it was established.`,
  });
export type LastVerification = z.infer<typeof lastVerificationSchema>;

/** The annotation value for these results: compact JSON, registries in key order. */
export function verificationAnnotationValue(results: readonly Pick<RegistryVerification, 'server' | 'status' | 'checkedAt'>[]): string {
  const entries = results.map(({ server, status, checkedAt }) => ({ server, status, checkedAt }));
  entries.sort((a, b) => (a.server < b.server ? -1 : a.server > b.server ? 1 : 0));
  return JSON.stringify(entries);
}

/** The recorded verification, or undefined when there is none or it is not ours to read. */
export function readLastVerification(annotations: Readonly<Record<string, string>>): LastVerification | undefined {
  const value = annotations[VERIFICATION_ANNOTATION];
  if (value === undefined) return undefined;
  try {
    const parsed = lastVerificationSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The annotation a write should carry. A fresh verification replaces the record only when some
 * registry's status changed, so repeating an identical write stays `unchanged`. Without a fresh
 * verification the record survives only while the credentials it describes are unchanged.
 */
export function nextVerificationAnnotation(
  existing: Readonly<Record<string, string>>,
  fresh: string | undefined,
  credentialsChanged: boolean,
): string | undefined {
  const recorded = existing[VERIFICATION_ANNOTATION];
  if (fresh === undefined) return credentialsChanged ? undefined : recorded;
  return recorded !== undefined && sameStatuses(recorded, fresh) ? recorded : fresh;
}

function sameStatuses(recorded: string, fresh: string): boolean {
  const before = readLastVerification({ [VERIFICATION_ANNOTATION]: recorded });
  const after = readLastVerification({ [VERIFICATION_ANNOTATION]: fresh });
  if (!before || !after || before.length !== after.length) return false;
  return before.every((entry, i) => entry.server === after[i]!.server && entry.status === after[i]!.status);
}

/**
 * The annotation after a merge changed some servers: entries of untouched servers are kept, those of
 * changed ones replaced by the fresh results (or dropped when they were not verified).
 */
export function patchedVerificationAnnotation(
  existing: Readonly<Record<string, string>>,
  changedServers: readonly string[],
  fresh: readonly RegistryVerification[] | undefined,
): string | undefined {
  const kept = (readLastVerification(existing) ?? []).filter((entry) => !changedServers.includes(entry.server));
  const next = [...kept, ...(fresh ?? [])];
  if (next.length === 0) return undefined;
  const value = verificationAnnotationValue(next);
  const recorded = existing[VERIFICATION_ANNOTATION];
  return recorded !== undefined && sameStatuses(recorded, value) ? recorded : value;
}
