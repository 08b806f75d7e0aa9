import { performance } from 'node:perf_hooks';
import { productionNodeFlags, startServer, type ServerProcess } from './children.js';
import { BENCH_TOKEN, CREDENTIALS, fanOutBody } from './fixtures.js';
import type { Kit } from './kit.js';
import { KubectlLoop } from './kubectl.js';
import { round } from './load.js';
import { checkSecrets } from './spot-check.js';
import { adminClient, NamespaceBatch } from './namespace.js';
import { TARGETS } from './report.js';
import type { FanOutCase, FanOutPut, FanOutResults, FanOutRun } from './report-fan-out.js';

export interface FanOutSettings {
  namespaces: number;
  /** REGCRED_FANOUT_CONCURRENCY values, one regcred process each; the target is judged at the first. */
  concurrencies: number[];
  /** Rounds at the first concurrency, each followed by its share of the kubectl loop (the others get one round). */
  rounds: number;
  kubectlBudgetSeconds: number;
  spotChecks: number;
}

const SETUP_CONCURRENCY = 16;
// Enough to open every connection to the API server and warm the code up; not all 500, which would take as long as a timed PUT.
const WARM_UP_NAMESPACES = 100;
const KUBECTL_SECRET = 'regcred-kubectl';
// created, then updated with a new password, then the same again (unchanged).
const CASES: Array<[FanOutCase, string]> = [
  ['created', 's3cr3t-1'],
  ['updated', 's3cr3t-2'],
  ['unchanged', 's3cr3t-2'],
];
const FINAL_PASSWORD = CASES.at(-1)![1];

const HARNESS =
  'regcred as deployed (kubernetes mode with the kit admin kubeconfig, token auth, rate limiters, metrics, V8 flags of start:prod) in a child process, ' +
  `one process per REGCRED_FANOUT_CONCURRENCY; after a discarded dry run (?dryRun=server) to the first ${WARM_UP_NAMESPACES} namespaces, rounds of three timed ` +
  'PUT /v1/pullsecrets/{name} to every namespace (created, updated with a new password, unchanged), a new secret name each round, wall time seen by the client, ' +
  'the median of the rounds reported; baseline: kubectl create secret docker-registry once per namespace, sequentially, as a shell loop runs it, ' +
  'in as many parts as regcred has rounds at the judged concurrency, each part right after a round (so both see the same background load)';

/**
 * One pull secret to many fresh namespaces through regcred's fan-out PUT, against a sequential
 * kubectl loop over the same namespaces. Registers its clean-up (servers, the namespaces) in `cleanups`.
 */
export async function benchFanOut(kit: Kit, settings: FanOutSettings, cleanups: Array<() => Promise<void>>): Promise<FanOutResults> {
  const started = performance.now();
  const core = adminClient(kit.kubeconfig);
  const batch = new NamespaceBatch(core, SETUP_CONCURRENCY);
  const abort = new AbortController();
  cleanups.push(async () => {
    abort.abort();
    await batch.remove();
  });
  process.stderr.write(`  creating ${settings.namespaces} namespaces ${batch.prefix}-*, ${SETUP_CONCURRENCY} at a time\n`);
  let t = performance.now();
  const namespaces = await batch.create(settings.namespaces);
  const createMs = performance.now() - t;

  const credential = { ...CREDENTIALS, password: CASES[0]![1] };
  const kubectl = new KubectlLoop(kit.kubeconfig, namespaces, KUBECTL_SECRET, credential, settings.kubectlBudgetSeconds, abort.signal);
  const parts = split(namespaces, settings.rounds);
  const [judgedConcurrency, ...others] = settings.concurrencies;
  const runs = [
    await measureRegcred(kit, namespaces, judgedConcurrency!, settings.rounds, cleanups, abort.signal, async (i) => {
      process.stderr.write(`  kubectl create secret docker-registry over ${parts[i]!.length} namespaces, one after the other\n`);
      await kubectl.run(parts[i]!, settings.kubectlBudgetSeconds / settings.rounds);
    }),
  ];
  for (const concurrency of others) runs.push(await measureRegcred(kit, namespaces, concurrency, 1, cleanups, abort.signal));
  abort.signal.throwIfAborted();
  const written = [
    ...runs.flatMap((run) => run.rounds.map(({ secret }) => ({ secret, password: FINAL_PASSWORD }))),
    { secret: KUBECTL_SECRET, password: CASES[0]![1], only: kubectl.done },
  ];
  const spotCheck = await checkSecrets(core, namespaces, written, settings.spotChecks);

  process.stderr.write(`  removing the ${settings.namespaces} namespaces\n`);
  t = performance.now();
  await batch.remove();
  const removeMs = performance.now() - t;

  const baseline = await kubectl.result();
  const speedup = round(baseline.perNamespaceMs / runs[0]!.median.created.perNamespaceMs, 1);
  const clean =
    runs.every((r) => r.rounds.every((x) => x.puts.every((p) => p.ok))) && baseline.failures === 0 && spotCheck.problems.length === 0;
  return {
    server: kit.server,
    kitStartedHere: kit.startedHere,
    harness: HARNESS,
    namespaces: settings.namespaces,
    setup: { concurrency: SETUP_CONCURRENCY, createMs: round(createMs, 0), removeMs: round(removeMs, 0) },
    judgedConcurrency: judgedConcurrency!,
    runs,
    kubectl: baseline,
    spotCheck,
    speedup,
    met: clean && speedup >= TARGETS.fanOutSpeedupMin,
    durationS: round((performance.now() - started) / 1000, 1),
  };
}

/** regcred with REGCRED_FANOUT_CONCURRENCY=`concurrency`: a warm-up, then `rounds` created/updated/unchanged cycles, `between` run after each. */
async function measureRegcred(
  kit: Kit,
  namespaces: readonly string[],
  concurrency: number,
  rounds: number,
  cleanups: Array<() => Promise<void>>,
  signal: AbortSignal,
  between?: (round: number) => Promise<void>,
): Promise<FanOutRun> {
  signal.throwIfAborted();
  const env = { REGCRED_FANOUT_CONCURRENCY: String(concurrency) };
  const server = await startServer(
    `regcred (fan-out, c=${concurrency})`,
    'regcred-server.ts',
    ['kubernetes', kit.kubeconfig],
    productionNodeFlags(),
    env,
  );
  cleanups.push(server.stop);
  const warmUpNamespaces = namespaces.slice(0, WARM_UP_NAMESPACES);
  process.stderr.write(`  ${server.name}: PUT /v1/pullsecrets/<name> to ${namespaces.length} namespaces, ${rounds} round(s)\n`);
  const warmUp = await put(server, secretOf(concurrency, 0), warmUpNamespaces, 'created', CASES[0]![1], signal, '?dryRun=server');
  const done: FanOutRun['rounds'] = [];
  for (let i = 0; i < rounds; i++) {
    const secret = secretOf(concurrency, i + 1);
    const puts: FanOutPut[] = [];
    for (const [expected, password] of CASES) puts.push(await put(server, secret, namespaces, expected, password, signal));
    done.push({ secret, puts });
    await between?.(i);
    signal.throwIfAborted();
  }
  const peakRssMB = round(server.peakRssMB(), 1);
  await server.stop();
  const median = Object.fromEntries(
    CASES.map(([c]) => {
      const of = (key: 'wallMs' | 'perNamespaceMs' | 'serverCpuMs') => middle(done.map((r) => r.puts.find((p) => p.case === c)![key]));
      return [c, { wallMs: of('wallMs'), perNamespaceMs: of('perNamespaceMs'), serverCpuMs: of('serverCpuMs') }];
    }),
  ) as FanOutRun['median'];
  return { concurrency, warmUp: { namespaces: warmUpNamespaces.length, dryRunMs: warmUp.wallMs }, rounds: done, median, peakRssMB };
}

const secretOf = (concurrency: number, round: number) => `regcred-fanout-c${concurrency}-${round}`;

/** `items` in `count` consecutive parts of (nearly) equal size. */
function split<T>(items: readonly T[], count: number): T[][] {
  return Array.from({ length: count }, (_, i) =>
    items.slice(Math.round((i * items.length) / count), Math.round(((i + 1) * items.length) / count)),
  );
}

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? round((sorted[mid - 1]! + sorted[mid]!) / 2, 2) : sorted[Math.floor(mid)]!;
}

interface FanOutAnswer {
  summary?: FanOutPut['summary'];
  results?: Array<{ namespace: string; result: string; reason?: string }>;
}

async function put(
  server: ServerProcess,
  secret: string,
  namespaces: readonly string[],
  expected: FanOutCase,
  password: string,
  signal: AbortSignal,
  query = '',
): Promise<FanOutPut> {
  const body = fanOutBody(namespaces, password);
  const cpuBefore = server.cpuSeconds();
  const started = performance.now();
  const response = await fetch(`${server.url}/v1/pullsecrets/${secret}${query}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${BENCH_TOKEN}` },
    body,
    signal,
  });
  const answer = (await response.json()) as FanOutAnswer;
  const wallMs = performance.now() - started;
  const summary = answer.summary ?? { created: 0, updated: 0, unchanged: 0, forbidden: 0, failed: 0 };
  const failure = answer.results?.find((r) => r.result !== expected);
  const outcome: FanOutPut = {
    case: expected,
    status: response.status,
    wallMs: round(wallMs, 0),
    perNamespaceMs: round(wallMs / namespaces.length, 2),
    serverCpuMs: round((server.cpuSeconds() - cpuBefore) * 1000, 0),
    summary,
    ok: response.status === 200 && summary[expected] === namespaces.length,
    ...(failure ? { firstUnexpected: `${failure.namespace}: ${failure.result}${failure.reason ? ` (${failure.reason})` : ''}` } : {}),
  };
  process.stderr.write(`    ${query ? 'dry run' : expected}: ${response.status} in ${outcome.wallMs} ms, ${JSON.stringify(summary)}\n`);
  return outcome;
}
