import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegcredMain, type ServerProcess } from './children.js';
import { benchTokensFile } from './distribution-setup.js';
import { BENCH_TOKEN } from './fixtures.js';
import type { Kit } from './kit.js';
import { round } from './load.js';
import { adminClient } from './namespace.js';
import { PullcheckNamespace } from './pullcheck-cluster.js';
import { pushTags, startBenchRegistry, type BenchRegistry } from './pullcheck-registry.js';
import { nearestRank, type PullcheckRun, type RegistryCalls, type ScanMeasure, type WorkloadLatency } from './report-pullcheck.js';

export interface PullcheckSettings {
  containers: number;
  /** Timed POSTs, cold and warm each. */
  requests: number;
  pods: number;
  failing: number;
  pageLimit: number;
  scanRounds: number;
  hardStopSeconds: number;
}

const HARNESS =
  'regcred as deployed (compiled src/main.ts, start:prod V8 flags, token auth, REGCRED_CLUSTER=kubernetes with the kit admin kubeconfig, ' +
  'REGCRED_CONTROLLER=off, verification defaults: 8 registry checks at once, 2 per caller) in a child process; Debian docker-registry with token auth ' +
  '(test/support/registries.ts startTokenRegistry) and its token server on 127.0.0.1; calls counted in the registry access log and at the token server; ' +
  'requests one after the other, wall time seen by the client';
// Known to the token server with pull on every repository; carol's secret carries a wrong password.
const USERS = { alice: 'bench-alice-password', bob: 'bench-bob-password', carol: 'bench-carol-password' };
const SCAN_SECRETS = [
  { name: 'pull-a', username: 'alice', password: USERS.alice },
  { name: 'pull-b', username: 'bob', password: USERS.bob },
  { name: 'pull-c', username: 'carol', password: 'not-carols-password' },
];
// svc-4 is never pushed: its containers are not-found.
const SCAN_REPOSITORIES = ['bench/svc-0', 'bench/svc-1', 'bench/svc-2', 'bench/svc-3', 'bench/svc-4'];
const SCAN_TAGS = ['v1', 'v2'];
const WORKLOAD_SECRET = 'bench-pull';
// The registry writes its access-log line just after its answer.
const LOG_SETTLE_MS = 300;

/** The `pullcheck` part: a 10-container workload checked cold and warm, then scans of a namespace with failing Pods. */
export async function benchPullcheck(kit: Kit, settings: PullcheckSettings, cleanups: Array<() => Promise<void>>): Promise<PullcheckRun> {
  const started = performance.now();
  const stop = new AbortController();
  const hardStop = setTimeout(
    () => stop.abort(new Error(`pullcheck: stopped after ${settings.hardStopSeconds} s`)),
    settings.hardStopSeconds * 1000,
  );
  cleanups.push(async () => stop.abort(new Error('pullcheck: interrupted')));
  try {
    const apps = Array.from({ length: settings.containers }, (_, k) => `bench/app-${k}`);
    const bench = await startBenchRegistry(USERS, [...apps, ...SCAN_REPOSITORIES]);
    cleanups.push(bench.stop);
    const coldTags = Array.from({ length: settings.requests }, (_, i) => `c${i}`);
    process.stderr.write(`  pushing ${apps.length} repositories × ${coldTags.length + 2} tags and ${SCAN_REPOSITORIES.length - 1} × 2\n`);
    for (const app of apps) await pushTags(bench, app, ['first', 'warm', ...coldTags]);
    for (const svc of SCAN_REPOSITORIES.slice(0, -1)) await pushTags(bench, svc, SCAN_TAGS);
    stop.signal.throwIfAborted();

    const namespace = new PullcheckNamespace(adminClient(kit.kubeconfig));
    cleanups.push(() => namespace.remove());
    await namespace.create();
    const host = bench.registry.host;
    await namespace.pullSecret(WORKLOAD_SECRET, host, 'alice', USERS.alice);
    for (const s of SCAN_SECRETS) await namespace.pullSecret(s.name, host, s.username, s.password);
    const pods = scanPods(host, settings);
    process.stderr.write(`  creating ${pods.length} Pods in ${namespace.name}, ${settings.failing} of them in ImagePullBackOff\n`);
    await namespace.pods(pods);
    stop.signal.throwIfAborted();

    const tokensFile = await benchTokensFile(cleanups);
    const startRegcred = async (label: string) => {
      const server = await startRegcredMain(`regcred (pullcheck ${label})`, regcredEnv(kit, tokensFile, bench.caFile));
      cleanups.push(server.stop);
      // Untimed: the code, the API server's connection and the registry's are warm before the clock starts.
      await post(server, namespace.name, deployment(host, apps, 'first'));
      return server;
    };
    let server = await startRegcred('workload');
    process.stderr.write(`  POST a ${apps.length}-container Deployment ${settings.requests} times, new tags each time (cold)\n`);
    const cold = await timePosts(
      bench,
      settings.requests,
      (i) => post(server, namespace.name, deployment(host, apps, coldTags[i]!)),
      stop.signal,
    );
    await post(server, namespace.name, deployment(host, apps, 'warm'));
    process.stderr.write(`  the same ${settings.requests} times with one tag (warm)\n`);
    const warm = await timePosts(bench, settings.requests, () => post(server, namespace.name, deployment(host, apps, 'warm')), stop.signal);
    await server.stop();

    const rounds: PullcheckRun['scan']['rounds'] = [];
    for (let r = 1; r <= settings.scanRounds; r++) {
      server = await startRegcred(`scan ${r}`);
      process.stderr.write(
        `  scan round ${r}: every page of ${pods.length} Pods, limit ${settings.pageLimit}, on a fresh process, then again\n`,
      );
      const coldScan = await timeScan(bench, server, namespace.name, settings.pageLimit);
      const warmScan = await timeScan(bench, server, namespace.name, settings.pageLimit);
      rounds.push({ cold: coldScan, warm: warmScan });
      await server.stop();
      stop.signal.throwIfAborted();
    }
    const targets = new Set(pods.filter((p) => p.waiting).map((p) => `${p.secret} ${p.image}`));
    return {
      server: kit.server,
      kitStartedHere: kit.startedHere,
      harness: HARNESS,
      containers: apps.length,
      cold,
      warm,
      scan: {
        pods: pods.length,
        failing: settings.failing,
        pageLimit: settings.pageLimit,
        distinctTargets: targets.size,
        expectedCalls: expectedCalls([...targets]),
        rounds,
      },
      durationS: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    clearTimeout(hardStop);
  }
}

function regcredEnv(kit: Kit, tokensFile: string, caFile: string): Record<string, string> {
  return {
    KUBECONFIG: kit.kubeconfig,
    REGCRED_CLUSTER: 'kubernetes',
    REGCRED_AUTH: 'token',
    REGCRED_TOKENS_FILE: tokensFile,
    REGCRED_CONTROLLER: 'off',
    REGCRED_VERIFY_CA_FILE: caFile,
    REGCRED_VERIFY_ALLOW_PRIVATE: 'true',
    // High enough never to refuse the bench's own calls.
    REGCRED_RATE_LIMIT_PER_MINUTE: '1000000',
    REGCRED_IP_RATE_LIMIT_PER_MINUTE: '1000000',
  };
}

/** Pod i fails when i % (pods / failing) is 0; the j-th failing Pod's image and secret cycle through the scan's sets. */
function scanPods(host: string, settings: PullcheckSettings) {
  const every = Math.floor(settings.pods / settings.failing);
  return Array.from({ length: settings.pods }, (_, i) => {
    const name = `p-${String(i).padStart(3, '0')}`;
    if (i % every !== 0 || i / every >= settings.failing) return { name, image: `${host}/bench/svc-0:v1`, secret: 'pull-a' };
    const j = i / every;
    const image = `${host}/${SCAN_REPOSITORIES[j % SCAN_REPOSITORIES.length]}:${SCAN_TAGS[j % SCAN_TAGS.length]}`;
    return { name, image, secret: SCAN_SECRETS[j % SCAN_SECRETS.length]!.name, waiting: 'ImagePullBackOff' };
  });
}

/** What one probe of each target costs the registry: 401, token, then HEAD (and GET for a miss's code); a refused token ends it. */
function expectedCalls(targets: string[]): RegistryCalls {
  const calls = { registry: 0, token: 0 };
  for (const target of targets) {
    calls.token++;
    if (target.startsWith('pull-c ')) calls.registry += 1;
    else if (target.includes('/bench/svc-4:')) calls.registry += 3;
    else calls.registry += 2;
  }
  return calls;
}

function deployment(host: string, repositories: string[], tag: string): object {
  const labels = { app: 'bench' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench-app' },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          imagePullSecrets: [{ name: WORKLOAD_SECRET }],
          containers: repositories.map((repository, k) => ({ name: `c${k}`, image: `${host}/${repository}:${tag}` })),
        },
      },
    },
  };
}

/** POSTs the manifest; answers whether it came back 200 with every container pulling. */
async function post(server: ServerProcess, namespace: string, manifest: object): Promise<boolean> {
  const res = await fetch(`${server.url}/v1/namespaces/${namespace}/pullcheck`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(manifest),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { willPull?: boolean };
  return res.status === 200 && body.willPull === true;
}

async function timePosts(
  bench: BenchRegistry,
  requests: number,
  send: (i: number) => Promise<boolean>,
  signal: AbortSignal,
): Promise<WorkloadLatency> {
  const before = await settledCalls(bench);
  const latencies: number[] = [];
  let failed = 0;
  for (let i = 0; i < requests; i++) {
    signal.throwIfAborted();
    const t = performance.now();
    if (!(await send(i))) failed++;
    latencies.push(performance.now() - t);
  }
  const calls = difference(await settledCalls(bench), before);
  latencies.sort((a, b) => a - b);
  return {
    requests,
    p50Ms: round(nearestRank(latencies, 50), 2),
    p99Ms: round(nearestRank(latencies, 99), 2),
    maxMs: round(latencies.at(-1)!, 2),
    failed,
    calls,
    callsPerRequest: { registry: round(calls.registry / requests, 2), token: round(calls.token / requests, 2) },
    loadAverage1m: round(loadavg()[0]!, 2),
  };
}

async function timeScan(bench: BenchRegistry, server: ServerProcess, namespace: string, limit: number): Promise<ScanMeasure> {
  const before = await settledCalls(bench);
  const measure = { pages: 0, scanned: 0, diagnosed: 0, verdicts: {} as Record<string, number> };
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
  return { ms, ...measure, calls: difference(await settledCalls(bench), before), loadAverage1m: round(loadavg()[0]!, 2) };
}

async function settledCalls(bench: BenchRegistry): Promise<RegistryCalls> {
  await sleep(LOG_SETTLE_MS);
  return bench.calls();
}

const difference = (after: RegistryCalls, before: RegistryCalls): RegistryCalls => ({
  registry: after.registry - before.registry,
  token: after.token - before.token,
});
