import pLimit from 'p-limit';

/**
 * How many namespaces one request may be refused in, beyond those it was allowed: past it, the
 * rest are not reviewed. Each review is a SubjectAccessReview in kubernetes mode, so a caller with
 * no rights naming 1,000 namespaces costs at most this many, not 1,000.
 */
export const MAX_FAN_OUT_REFUSALS = 20;

/** `not-reviewed`: the request had been refused too often to review this namespace; treat it as forbidden. */
export type NamespaceDecision = 'allowed' | 'forbidden' | 'not-reviewed';

export interface NamespaceAccess {
  /** The deny list: refused without a review, and not counted as one. */
  denied(namespace: string): boolean;
  /** Whether the caller may do the write in every namespace at once (one cluster-scoped review). */
  allowedEverywhere(): Promise<boolean>;
  /** Whether the caller may do the write in this namespace (a review per namespace). */
  allowed(namespace: string): Promise<boolean>;
}

/**
 * Which of the namespaces the caller may write. One cluster-scoped review first: a caller allowed
 * everywhere (a platform team's) needs no per-namespace review. Otherwise each namespace is reviewed,
 * in order, `concurrency` at a time, while the refusals so far plus the reviews in flight stay below
 * `maxRefusals` plus the grants so far: a caller's grants pay for its refusals, so one with rights
 * in the namespaces it names gets every one reviewed, and one with none costs at most `maxRefusals`.
 */
export async function authorizeNamespaces(
  namespaces: readonly string[],
  access: NamespaceAccess,
  { concurrency, maxRefusals = MAX_FAN_OUT_REFUSALS }: { concurrency: number; maxRefusals?: number },
): Promise<Map<string, NamespaceDecision>> {
  const decisions = new Map<string, NamespaceDecision>();
  const reviewable = namespaces.filter((namespace) => {
    if (!access.denied(namespace)) return true;
    decisions.set(namespace, 'forbidden');
    return false;
  });
  if (reviewable.length === 0) return decisions;
  if (await access.allowedEverywhere()) {
    for (const namespace of reviewable) decisions.set(namespace, 'allowed');
    return decisions;
  }
  let granted = 0;
  let refused = 0;
  let inFlight = 0;
  const limit = pLimit(concurrency);
  await Promise.all(
    reviewable.map((namespace) =>
      limit(async () => {
        // Reviews in flight are counted as refusals until they answer, so the bound holds exactly.
        if (refused + inFlight >= maxRefusals + granted) return void decisions.set(namespace, 'not-reviewed');
        inFlight++;
        try {
          const allowed = await access.allowed(namespace);
          if (allowed) granted++;
          else refused++;
          decisions.set(namespace, allowed ? 'allowed' : 'forbidden');
        } finally {
          inFlight--;
        }
      }),
    ),
  );
  return decisions;
}
