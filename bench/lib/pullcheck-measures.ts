import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerProcess } from './children.js';
import { BENCH_TOKEN } from './fixtures.js';
import { round } from './load.js';
import type { BenchRegistry } from './pullcheck-registry.js';
import { nearestRank, type RegistryCalls, type ScanMeasure, type WorkloadLatency } from './report-pullcheck.js';

// The registry writes its access-log line just after its answer.
const LOG_SETTLE_MS = 300;

/** POSTs the manifest; answers whether it came back 200 with every container pulling. */
export async function post(server: ServerProcess, namespace: string, manifest: object): Promise<boolean> {
  const res = await fetch(`${server.url}/v1/namespaces/${namespace}/pullcheck`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(manifest),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { willPull?: boolean };
  return res.status === 200 && body.willPull === true;
}

export async function timePosts(
  bench: BenchRegistry,
  server: ServerProcess,
  requests: number,
  send: (i: number) => Promise<boolean>,
  signal: AbortSignal,
): Promise<WorkloadLatency> {
  const before = await settledCalls(bench);
  const cpuBefore = server.cpuSeconds();
  const latencies: number[] = [];
  let failed = 0;
  for (let i = 0; i < requests; i++) {
    signal.throwIfAborted();
    const t = performance.now();
    if (!(await send(i))) failed++;
    latencies.push(performance.now() - t);
  }
  const cpuMsPerRequest = round(((server.cpuSeconds() - cpuBefore) * 1000) / requests, 2);
  const calls = difference(await settledCalls(bench), before);
  latencies.sort((a, b) => a - b);
  return {
    requests,
    p50Ms: round(nearestRank(latencies, 50), 2),
    p99Ms: round(nearestRank(latencies, 99), 2),
    maxMs: round(latencies.at(-1)!, 2),
    failed,
    cpuMsPerRequest,
    calls,
    callsPerRequest: { registry: round(calls.registry / requests, 2), token: round(calls.token / requests, 2) },
    loadAverage1m: round(loadavg()[0]!, 2),
  };
}

export async function timeScan(bench: BenchRegistry, server: ServerProcess, namespace: string, limit: number): Promise<ScanMeasure> {
  const before = await settledCalls(bench);
  const measure = { pages: 0, scanned: 0, diagnosed: 0, verdicts: {} as Record<string, number> };
  const cpuBefore = server.cpuSeconds();
  const t = performance.now();
  let next: string | undefined;
  do {
    const query = `limit=${limit}${next ? `&continue=${encodeURIComponent(next)}` : ''}`;
    const res = await fetch(`${server.url}/v1/namespaces/${namespace}/pullcheck?${query}`, {
      headers: { authorization: `Bearer ${BENCH_TOKEN}` },
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status !== 200) throw new Error(`GET …/pullcheck?${query}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { scanned: number; pods: Array<{ containers: Array<{ verdict: string }> }>; continue?: string };
    measure.pages++;
    measure.scanned += page.scanned;
    measure.diagnosed += page.pods.length;
    for (const container of page.pods.flatMap((p) => p.containers))
      measure.verdicts[container.verdict] = (measure.verdicts[container.verdict] ?? 0) + 1;
    next = page.continue;
  } while (next);
  const ms = round(performance.now() - t, 1);
  const cpuMs = round((server.cpuSeconds() - cpuBefore) * 1000, 0);
  return { ms, cpuMs, ...measure, calls: difference(await settledCalls(bench), before), loadAverage1m: round(loadavg()[0]!, 2) };
}

async function settledCalls(bench: BenchRegistry): Promise<RegistryCalls> {
  await sleep(LOG_SETTLE_MS);
  return bench.calls();
}

const difference = (after: RegistryCalls, before: RegistryCalls): RegistryCalls => ({
  registry: after.registry - before.registry,
  token: after.token - before.token,
});
