import { performance } from 'node:perf_hooks';
import { startRegcredMain } from './children.js';
import { benchTokensFile } from './distribution-setup.js';
import type { Kit } from './kit.js';
import { round } from './load.js';
import { adminClient } from './namespace.js';
import { PullcheckNamespace } from './pullcheck-cluster.js';
import { post, timePosts, timeScan } from './pullcheck-measures.js';
import { pushTags, startBenchRegistry } from './pullcheck-registry.js';
import type { PullcheckRun, RegistryCalls } from './report-pullcheck.js';

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
      server,
      settings.requests,
      (i) => post(server, namespace.name, deployment(host, apps, coldTags[i]!)),
      stop.signal,
    );
    await post(server, namespace.name, deployment(host, apps, 'warm'));
    process.stderr.write(`  the same ${settings.requests} times with one tag (warm)\n`);
    const warm = await timePosts(
      bench,
      server,
      settings.requests,
      () => post(server, namespace.name, deployment(host, apps, 'warm')),
      stop.signal,
    );
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
