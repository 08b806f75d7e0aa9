import { performance } from 'node:perf_hooks';
import type { CoreV1Api } from '@kubernetes/client-node';
import { rolledOutSince, statusOf, type DistributionWatches } from './distribution-watches.js';
import { round } from './load.js';
import type { DistributionRun } from './report-distributions.js';

export interface RotationSettings {
  /** The distribution rotated. */
  name: string;
  /** Namespaces holding a copy, read at random. */
  namespaces: string[];
  secret: string;
  server: string;
  /** The password before and after the rotation. */
  passwords: readonly [string, string];
  copies: number;
  waitMs: number;
  rotate: () => Promise<void>;
}

const READERS = 2;
const CONTENT_HASH_ANNOTATION = 'regcred.io/content-hash';

/**
 * Rotates the credential (`rotate`, a PUT) while READERS loops GET random copies straight from the
 * API server, until the distribution's status says every copy carries the new content.
 */
export async function readDuringRotation(
  core: CoreV1Api,
  watches: DistributionWatches,
  s: RotationSettings,
): Promise<DistributionRun['rotation']> {
  const counts = { reads: 0, missingReads: 0, invalidReads: 0, oldReads: 0, newReads: 0 };
  let reading = true;
  const read = async () => {
    while (reading) {
      const namespace = s.namespaces[Math.floor(Math.random() * s.namespaces.length)]!;
      counts.reads++;
      try {
        const secret = await core.readNamespacedSecret({ namespace, name: s.secret });
        const config = JSON.parse(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8')) as {
          auths?: Record<string, { password?: string }>;
        };
        const password = config.auths?.[s.server]?.password;
        if (password === s.passwords[0]) counts.oldReads++;
        else if (password === s.passwords[1]) counts.newReads++;
        else counts.invalidReads++;
      } catch (error) {
        if ((error as { code?: number }).code === 404) counts.missingReads++;
        else counts.invalidReads++;
      }
    }
  };
  const oldStatusHash = statusOf(watches.cr, s.name)?.contentHash;
  const oldCopyHash = [...watches.copies.objects.values()][0]?.metadata?.annotations?.[CONTENT_HASH_ANNOTATION];
  const readers = Array.from({ length: READERS }, read);
  try {
    await s.rotate();
    const t = performance.now();
    const rolledOut = () => rolledOutSince(watches.cr, s.name, oldStatusHash);
    // Kept up to date per event: a scan of every copy on every event is quadratic (50,000 copies: minutes of the bench's CPU).
    const stale = new Set<string>();
    const recheck = (key?: string) => {
      const check = (k: string) => {
        const copy = watches.copies.objects.get(k);
        if (copy && copy.metadata?.annotations?.[CONTENT_HASH_ANNOTATION] === oldCopyHash) stale.add(k);
        else stale.delete(k);
      };
      if (key !== undefined) return check(key);
      stale.clear();
      for (const k of watches.copies.objects.keys()) check(k);
    };
    recheck();
    const stopRecheck = watches.copies.onChange(recheck);
    const allNew = () => watches.copies.objects.size >= s.copies && stale.size === 0;
    const [rolledAt, lastCopyAt] = await Promise.all([
      watches.cr.until(rolledOut, s.waitMs),
      watches.copies.until(allNew, s.waitMs).finally(stopRecheck),
    ]);
    reading = false;
    await Promise.all(readers);
    return {
      copies: s.copies,
      rolledOutMs: rolledAt === undefined ? null : round(rolledAt - t, 0),
      lastCopySeenMs: lastCopyAt === undefined ? null : round(lastCopyAt - t, 0),
      ...counts,
      met: rolledAt !== undefined && counts.missingReads === 0 && counts.invalidReads === 0,
    };
  } finally {
    reading = false;
    await Promise.allSettled(readers);
  }
}
