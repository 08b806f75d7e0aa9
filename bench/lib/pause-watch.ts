import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { RegcredClient } from './regcred-client.js';

/** Garbage-collection pauses and event-loop stalls over one step, in the bench and in regcred. */
export interface StepPauses {
  /** The bench's own process: it watches every copy, so its collections delay what it observes. */
  bench: { collections: number; over50Ms: number; maxMs: number; totalMs: number };
  /** regcred, from its /metrics: collections by kind (count, total s, how many took ≥ 0.1 s) and the longest event-loop stall. */
  regcred: { byKind: Record<string, { count: number; totalMs: number; over100Ms: number }>; eventLoopMaxMs: number };
}

const SLOW_BENCH_GC_MS = 50;

/** Starts watching; `stop()` answers the figures since the start. */
export async function watchPauses(client: RegcredClient): Promise<{ stop(): Promise<StepPauses> }> {
  const bench = { collections: 0, over50Ms: 0, maxMs: 0, totalMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as PerformanceEntry[]) {
      bench.collections++;
      bench.totalMs += entry.duration;
      bench.maxMs = Math.max(bench.maxMs, entry.duration);
      if (entry.duration >= SLOW_BENCH_GC_MS) bench.over50Ms++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  // prom-client resets its event-loop histogram at each scrape, so this one starts the window.
  const before = gcFigures(await client.metricsText());
  return {
    async stop() {
      observer.disconnect();
      const text = await client.metricsText();
      const after = gcFigures(text);
      const byKind: StepPauses['regcred']['byKind'] = {};
      for (const [kind, figures] of Object.entries(after)) {
        const was = before[kind] ?? { count: 0, totalMs: 0, over100Ms: 0 };
        byKind[kind] = {
          count: figures.count - was.count,
          totalMs: round(figures.totalMs - was.totalMs),
          over100Ms: figures.over100Ms - was.over100Ms,
        };
      }
      const lagMax = Number(/^nodejs_eventloop_lag_max_seconds\s+(\S+)$/m.exec(text)?.[1] ?? Number.NaN);
      return {
        bench: { ...bench, maxMs: round(bench.maxMs), totalMs: round(bench.totalMs) },
        regcred: { byKind, eventLoopMaxMs: round(lagMax * 1000) },
      };
    },
  };
}

function gcFigures(text: string): Record<string, { count: number; totalMs: number; over100Ms: number }> {
  const figures: Record<string, { count: number; totalMs: number; over100Ms: number; upTo100Ms: number }> = {};
  const of = (kind: string) => (figures[kind] ??= { count: 0, totalMs: 0, over100Ms: 0, upTo100Ms: 0 });
  for (const line of text.split('\n')) {
    const match = /^nodejs_gc_duration_seconds_(count|sum|bucket)\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!match) continue;
    const kind = /kind="([^"]+)"/.exec(match[2]!)?.[1] ?? 'unknown';
    const value = Number(match[3]);
    if (match[1] === 'count') of(kind).count = value;
    else if (match[1] === 'sum') of(kind).totalMs = value * 1000;
    else if (/le="0\.1"/.test(match[2]!)) of(kind).upTo100Ms = value;
  }
  return Object.fromEntries(
    Object.entries(figures).map(([kind, f]) => [kind, { count: f.count, totalMs: f.totalMs, over100Ms: f.count - f.upTo100Ms }]),
  );
}

const round = (n: number) => Math.round(n * 10) / 10;
