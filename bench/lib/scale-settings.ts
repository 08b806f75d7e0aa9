import type { ManySettings, ScaleSettings } from './scale-types.js';

const numbers = (value: string) => value.split(',').map((v) => Number(v.trim()));

/** BENCH_SCALE_* (and BENCH_PROFILE) as the scale part's settings; `profileDir` is where profiles go when asked for. */
export function scaleSettingsFrom(env: NodeJS.ProcessEnv, profileDir: string): ScaleSettings {
  const sizes = numbers(env.BENCH_SCALE_SIZES ?? '100,1000,10000,50000').sort((a, b) => a - b);
  const fixedResync = env.BENCH_SCALE_RESYNC_SECONDS ? Number(env.BENCH_SCALE_RESYNC_SECONDS) : undefined;
  return {
    sizes,
    events: numbers(env.BENCH_SCALE_EVENTS ?? '200'),
    spacingMs: Number(env.BENCH_SCALE_SPACING_MS ?? 150),
    setupConcurrency: Number(env.BENCH_SCALE_SETUP_CONCURRENCY ?? 32),
    writeConcurrency: Number(env.BENCH_SCALE_WRITE_CONCURRENCY ?? 16),
    floorAfter: env.BENCH_SCALE_FLOOR_AFTER !== '0',
    idleSettleSeconds: Number(env.BENCH_SCALE_IDLE_SECONDS ?? 5),
    // Long enough for a pass over every copy to end well within it: 10 s up to 25,000 namespaces, 20 s at 50,000.
    resyncSeconds: (namespaces) => fixedResync ?? Math.max(10, Math.ceil(namespaces / 2500)),
    ...(env.BENCH_PROFILE === '1' ? { profileDir } : {}),
    ...(env.BENCH_SCALE_HEAP_SNAPSHOT_DIR ? { heapSnapshotDir: env.BENCH_SCALE_HEAP_SNAPSHOT_DIR } : {}),
    hardStopSeconds: Number(env.BENCH_SCALE_HARD_STOP_SECONDS ?? 7200),
  };
}

export function manySettingsFrom(env: NodeJS.ProcessEnv): ManySettings {
  return {
    distributions: Number(env.BENCH_SCALE_MANY_DISTRIBUTIONS ?? 100),
    namespacesEach: Number(env.BENCH_SCALE_MANY_NAMESPACES ?? 500),
    setupConcurrency: Number(env.BENCH_SCALE_SETUP_CONCURRENCY ?? 32),
    hardStopSeconds: Number(env.BENCH_SCALE_HARD_STOP_SECONDS ?? 7200),
  };
}
