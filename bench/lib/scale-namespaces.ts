import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { NamespaceBatch } from './namespace.js';
import type { RunGuard } from './scale-guard.js';

/**
 * Adds matching namespaces to `names` (the batch's, in creation order) until there are `count`,
 * `concurrency` at a time; answers how many it created and how long that took. Never deletes any:
 * the kit has no namespace controller, so a deleted namespace would stay Terminating (and matching).
 */
export async function topUpNamespaces(
  batch: NamespaceBatch,
  names: string[],
  count: number,
  concurrency: number,
  guard: RunGuard,
): Promise<{ created: number; ms: number; concurrency: number }> {
  const limit = pLimit(concurrency);
  const from = names.length;
  const started = performance.now();
  const created = await Promise.all(
    Array.from({ length: Math.max(0, count - from) }, (_, i) =>
      limit(() => {
        guard.check();
        return batch.add(String(from + i).padStart(5, '0'));
      }),
    ),
  );
  names.push(...created);
  return { created: created.length, ms: Math.round(performance.now() - started), concurrency };
}
