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
 * in order, `concurrency` at a time. A review starts only while the refusals so far plus the reviews
 * in flight stay within `maxRefusals` plus the grants so far (otherwise it waits for one in flight to
 * answer), so a caller's grants pay for its refusals: one with rights in the namespaces it names gets
 * every one reviewed, and one with none costs at most `maxRefusals`. Only real refusals past that
 * bound, or more than `maxGrants` grants (more than one request may write), leave the rest `not-reviewed`.
 */
export async function authorizeNamespaces(
  namespaces: readonly string[],
  access: NamespaceAccess,
  {
    concurrency,
    maxRefusals = MAX_FAN_OUT_REFUSALS,
    maxGrants = Infinity,
  }: { concurrency: number; maxRefusals?: number; maxGrants?: number },
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
  let next = 0;
  let answered = nextAnswer();
  const review = async (): Promise<void> => {
    while (next < reviewable.length) {
      if (refused >= maxRefusals + granted || granted > maxGrants) break;
      // Reviews in flight may all be refusals: wait for one to answer rather than risk passing the bound.
      if (refused + inFlight >= maxRefusals + granted) {
        await answered.promise;
        continue;
      }
      const namespace = reviewable[next++]!;
      inFlight++;
      try {
        const allowed = await access.allowed(namespace);
        if (allowed) granted++;
        else refused++;
        decisions.set(namespace, allowed ? 'allowed' : 'forbidden');
      } finally {
        inFlight--;
        answered.resolve();
        answered = nextAnswer();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, reviewable.length)) }, review));
  for (const namespace of reviewable) if (!decisions.has(namespace)) decisions.set(namespace, 'not-reviewed');
  return decisions;
}

function nextAnswer(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
