// `npm run bench`: regcred against its baselines, each server in a child process on 127.0.0.1;
// prints a table and writes bench/results/latest.json. See README "Benchmarks".
// BENCH_ONLY=fanout (or render, apply, distributions, distribution-fuzz, cloud, pullcheck; comma-separated) runs only those parts;
// distributions-outage is the last step of distributions alone. scale and scale-many (issue 20) run only when named.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchApply } from './lib/apply.js';
import { benchCloud, type CloudSettings } from './lib/cloud.js';
import { benchDistributionOutage, type OutageSettings } from './lib/distribution-outage.js';
import { benchDistributions, type DistributionSettings } from './lib/distributions.js';
import { benchDistributionFuzz, distributionFuzzLines, type DistributionFuzzResults } from './lib/distribution-fuzz.js';
import { compileServers, productionNodeFlags, startServer, type ServerProcess } from './lib/children.js';
import { benchFanOut, type FanOutSettings } from './lib/fan-out.js';
import { renderRequest } from './lib/fixtures.js';
import { obtainKit, startPrivateKit, type Kit } from './lib/kit.js';
import { compare, MemoryWatch, type Settings } from './lib/measure.js';
import { benchPullcheck, type PullcheckSettings } from './lib/pullcheck.js';
import { cloudLines, cloudMarkdown, type CloudResults } from './lib/report-cloud.js';
import { isClean, printResults, TARGETS, writeResults, type RenderRun, type Results } from './lib/report.js';
import { pullcheckLines, type PullcheckResults } from './lib/report-pullcheck.js';
import { scaleLines, scaleMarkdown, type ScaleReport } from './lib/report-scale.js';
import { benchScale } from './lib/scale.js';
import { benchScaleMany } from './lib/scale-many.js';
import { manySettingsFrom, scaleSettingsFrom } from './lib/scale-settings.js';
import { defaultConfig } from '../src/config.js';

const settings: Settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
};
const RENDER_CONNECTIONS = 10;
// 1 connection: latency without queueing, where the target is judged; 4: the same under concurrency.
const APPLY_CONCURRENCIES = [1, 4];
// The target is judged at the first concurrency: regcred's default.
const fanOutSettings: FanOutSettings = {
  namespaces: Number(process.env.BENCH_FANOUT_NAMESPACES ?? 500),
  concurrencies: (process.env.BENCH_FANOUT_CONCURRENCIES ?? `${defaultConfig().fanOutConcurrency},8,32`).split(',').map(Number),
  rounds: Number(process.env.BENCH_FANOUT_ROUNDS ?? 3),
  kubectlBudgetSeconds: Number(process.env.BENCH_KUBECTL_SECONDS ?? 60),
  spotChecks: 10,
};
const distributionSettings: DistributionSettings = {
  namespaces: Number(process.env.BENCH_DISTRIBUTION_NAMESPACES ?? 1000),
  events: Number(process.env.BENCH_DISTRIBUTION_EVENTS ?? 50),
  links: Number(process.env.BENCH_DISTRIBUTION_LINKS ?? 20),
  spacingMs: 200,
  resyncSeconds: 5,
  hardStopSeconds: Number(process.env.BENCH_DISTRIBUTION_HARD_STOP_SECONDS ?? 300),
};
const outageSettings: OutageSettings = {
  churnEveryMs: 200,
  churnBeforeMs: 5000,
  churnAfterMs: 5000,
  outageMs: 10_000,
  resyncSeconds: 5,
  settleWaitMs: 60_000,
};
// The distribution fuzzer's hostile objects against regcred as deployed: the worst /healthz latency meanwhile.
const distributionFuzzSettings = {
  objects: Number(process.env.BENCH_FUZZ_OBJECTS ?? 300),
  seed: Number(process.env.REGCRED_FUZZ_SEED ?? 20_251_216),
  settleSeconds: 10,
  probeIntervalMs: 20,
};
// Cloud tokens: an ECR-sourced distribution on a fake AWS. 90 s tokens for the 1,000-namespace roll-out figures (a
// roll-out of seconds is then a few % of the lifetime, as minutes are of a 15-minute token); 20 s tokens over 100
// namespaces for the 10-refresh failure run, with failed calls queued before every other refresh point (the AWS SDK
// makes 3 attempts a mint, regcred backs off 1 s doubling, capped at a tenth of the lifetime: 12 calls, 4 failed
// mints, hold the token back 3.5 to 7 s, under half of the 20 s).
const cloudSettings: CloudSettings = {
  rollout: {
    namespaces: Number(process.env.BENCH_CLOUD_NAMESPACES ?? 1000),
    lifetimeSeconds: Number(process.env.BENCH_CLOUD_LIFETIME_SECONDS ?? 90),
    refreshes: Number(process.env.BENCH_CLOUD_REFRESHES ?? 3),
    failures: [],
  },
  failures: {
    namespaces: Number(process.env.BENCH_CLOUD_FAILURE_NAMESPACES ?? 100),
    lifetimeSeconds: Number(process.env.BENCH_CLOUD_FAILURE_LIFETIME_SECONDS ?? 20),
    refreshes: 10,
    failures: [0, 3, 0, 6, 0, 9, 0, 12, 0, 12],
  },
  hardStopSeconds: Number(process.env.BENCH_CLOUD_HARD_STOP_SECONDS ?? 600),
};
// The pull check: a 10-container Deployment POSTed cold (new tags every request) and warm, then scans of 500 Pods of
// which 50 wait in ImagePullBackOff, a page of 100 at a time, each round on a fresh regcred (empty probe cache).
const pullcheckSettings: PullcheckSettings = {
  containers: 10,
  requests: Number(process.env.BENCH_PULLCHECK_REQUESTS ?? 200),
  pods: Number(process.env.BENCH_PULLCHECK_PODS ?? 500),
  failing: Number(process.env.BENCH_PULLCHECK_FAILING ?? 50),
  pageLimit: 100,
  scanRounds: Number(process.env.BENCH_PULLCHECK_SCAN_ROUNDS ?? 3),
  hardStopSeconds: Number(process.env.BENCH_PULLCHECK_HARD_STOP_SECONDS ?? 300),
};
// The distribution controller at 100 to 50,000 namespaces, each part on a kit of its own; see docs/benchmarks.md "Namespace count".
const PROFILE_DIR = fileURLToPath(new URL(`./results/profiles-${new Date().toISOString().replace(/[:.]/g, '-')}`, import.meta.url));
const scaleSettings = scaleSettingsFrom(process.env, PROFILE_DIR);
const manySettings = manySettingsFrom(process.env);
const PARTS = [
  'render',
  'apply',
  'fanout',
  'distributions',
  'distributions-outage',
  'distribution-fuzz',
  'cloud',
  'pullcheck',
  'scale',
  'scale-many',
] as const;
type Part = (typeof PARTS)[number];
// Too long for every run (up to an hour at 50,000 namespaces): run only when BENCH_ONLY names them.
const OPT_IN: readonly Part[] = ['scale', 'scale-many'];
const only = partsToRun(process.env.BENCH_ONLY);
// A run of some parts only does not overwrite the full run's figures.
const RESULTS_FILE = new URL(`./results/latest${only ? `-${only.join('+')}` : ''}.json`, import.meta.url);
const LOGGING =
  "regcred as deployed: bearer-token auth and both rate limiters on every request (and a run with the limiters off), metrics, pino at 'info' (buffered) to stdout, which is /dev/null here; the baselines ignore the token";

const cleanups: Array<() => Promise<void>> = [];
let cleaning = Promise.resolve();

function cleanUp(): Promise<void> {
  // Last registered first: servers, then the namespaces, then a kit the bench started. A second
  // call (the run failing while a signal's clean-up is under way) waits for the first to finish.
  cleaning = cleaning.then(async () => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch((error: unknown) => process.stderr.write(`bench: clean-up step failed: ${String(error)}\n`));
    }
  });
  return cleaning;
}

function partsToRun(value: string | undefined): Part[] | undefined {
  if (!value) return undefined;
  const parts = value.split(',').map((p) => p.trim());
  const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown part(s) ${unknown.join(', ')}; expected some of ${PARTS.join(', ')}`);
  return parts as Part[];
}

const runs = (part: Part) => (only ? only.includes(part) : !OPT_IN.includes(part));

let kit: Promise<Kit | { skipped: string }> | undefined;

/** The API server both apply and fan-out write to, obtained once (a kit started here is stopped last). */
function sharedKit(): Promise<Kit | { skipped: string }> {
  kit ??= obtainKit().then(
    (k) => {
      cleanups.push(k.stop);
      return k;
    },
    (error: unknown) => ({ skipped: (error as Error).message }),
  );
  return kit;
}

/** A kit only the distributions part uses (BENCH_DISTRIBUTION_KIT=private), stopped at the end. */
function privateKit(): Promise<Kit | { skipped: string }> {
  return startPrivateKit().then(
    (k) => {
      cleanups.push(k.stop);
      return k;
    },
    (error: unknown) => ({ skipped: (error as Error).message }),
  );
}

let interrupted = false;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Not once: Ctrl-C reaches npm, tsx and the bench alike, and npm and tsx pass it on, so a second
  // one often follows; without a listener it would end the process halfway through the clean-up.
  process.on(signal, () => {
    if (interrupted) return void process.stderr.write(`bench: ${signal} again, still cleaning up\n`);
    interrupted = true;
    process.stderr.write(`bench: ${signal}, cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// The rate limiters switched off, as a deployment behind a proxy that limits already may run.
const LIMITS_LIFTED = { REGCRED_RATE_LIMIT_PER_MINUTE: 'off', REGCRED_IP_RATE_LIMIT_PER_MINUTE: 'off' };

/** regcred as deployed against the bare app, then regcred with its limits lifted against it, each in its own alternating rounds. */
async function benchRender(watch: MemoryWatch): Promise<Results['render']> {
  process.stderr.write('render: POST /v1/render\n');
  const [bare, regcred, lifted] = await Promise.all([
    startServer('bare Express 5 (render)', 'bare-render-server.ts'),
    startServer('regcred (render)', 'regcred-server.ts', ['memory'], productionNodeFlags()),
    startServer('regcred, limits lifted (render)', 'regcred-server.ts', ['memory'], productionNodeFlags(), LIMITS_LIFTED),
  ]);
  cleanups.push(bare.stop, regcred.stop, lifted.stop);
  const asDeployed = await renderComparison(bare, regcred, watch, TARGETS.renderRatioMin);
  const limitsLifted = await renderComparison(bare, lifted, watch, TARGETS.renderLimitsLiftedRatioMin);
  for (const server of [bare, regcred, lifted]) watch.recordPeak(server);
  await Promise.all([bare.stop(), regcred.stop(), lifted.stop()]);
  return { ...asDeployed, limitsLifted };
}

async function renderComparison(bare: ServerProcess, regcred: ServerProcess, watch: MemoryWatch, target: number): Promise<RenderRun> {
  const [bareResult, regcredResult] = await compare(
    { server: bare, request: renderRequest },
    { server: regcred, request: renderRequest, watch },
    settings,
    { connections: RENDER_CONNECTIONS },
  );
  const ratio = Math.round((regcredResult.reqPerSec / bareResult.reqPerSec) * 100) / 100;
  const met = isClean(bareResult) && isClean(regcredResult) && ratio >= target;
  return { bare: bareResult, regcred: regcredResult, ratio, met };
}

async function main(): Promise<void> {
  const environment = {
    node: process.version,
    cpus: availableParallelism(),
    loadAverage1mBefore: Math.round(loadavg()[0]! * 100) / 100,
    logging: LOGGING,
    ...settings,
  };
  process.stderr.write('compiling src/ and bench/ (servers run as plain JavaScript)\n');
  await compileServers();
  const startedAt = new Date().toISOString();
  const watch = new MemoryWatch();
  const render = runs('render') ? await benchRender(watch) : undefined;
  let apply: Results['apply'];
  if (runs('apply')) {
    process.stderr.write('apply: PUT /v1/namespaces/<ns>/pullsecrets/<name>\n');
    const target = await sharedKit();
    apply = 'skipped' in target ? target : await benchApply(target, settings, APPLY_CONCURRENCIES, watch, cleanups);
  }
  let fanOut: Results['fanOut'];
  if (runs('fanout')) {
    process.stderr.write(`fan-out: PUT /v1/pullsecrets/<name> to ${fanOutSettings.namespaces} namespaces vs a kubectl loop\n`);
    const target = await sharedKit();
    fanOut = 'skipped' in target ? target : await benchFanOut(target, fanOutSettings, cleanups);
  }
  let distributions: Results['distributions'];
  if (runs('distributions')) {
    process.stderr.write(
      `distributions: a PullSecretDistribution over ${distributionSettings.namespaces} namespaces, through regcred's controller\n`,
    );
    // A kit of its own keeps this run's controller and those of others (tests) off each other's distributions.
    const target = process.env.BENCH_DISTRIBUTION_KIT === 'private' ? await privateKit() : await sharedKit();
    distributions = 'skipped' in target ? target : await benchDistributions(target, distributionSettings, TARGETS.distributions, cleanups);
  }
  let distributionsOutage: Results['distributionsOutage'];
  // Part 6 of the distributions bench, also to be run alone (it needs a private kit of its own).
  if (runs('distributions') || runs('distributions-outage')) {
    process.stderr.write(
      `distributions-outage: the API server of a private kit stopped for ${outageSettings.outageMs / 1000} s under namespace churn\n`,
    );
    distributionsOutage = await benchDistributionOutage(outageSettings, TARGETS.distributions, cleanups).catch((error: unknown) => {
      if (interrupted) throw error;
      return { skipped: `failed: ${(error as Error).message}` };
    });
  }
  let distributionFuzz: DistributionFuzzResults | undefined;
  if (runs('distribution-fuzz')) {
    process.stderr.write('distribution-fuzz: hostile PullSecretDistribution objects on a private kit while /healthz is probed\n');
    distributionFuzz = await benchDistributionFuzz(distributionFuzzSettings, cleanups).catch((error: unknown) => {
      if (interrupted) throw error;
      return { skipped: `failed: ${(error as Error).message}` };
    });
  }
  let cloud: CloudResults | undefined;
  if (runs('cloud')) {
    process.stderr.write(
      'cloud: ECR tokens minted by regcred from a fake AWS into 1,000 copies, renewed at 50–55 % of their life or earlier, as the last roll-out needs\n',
    );
    const target = process.env.BENCH_DISTRIBUTION_KIT === 'private' ? await privateKit() : await sharedKit();
    cloud =
      'skipped' in target
        ? target
        : await benchCloud(target, cloudSettings, cleanups).catch((error: unknown) => {
            if (interrupted) throw error;
            return { skipped: `failed: ${(error as Error).message}` };
          });
  }
  let pullcheck: PullcheckResults | undefined;
  if (runs('pullcheck')) {
    process.stderr.write(
      'pullcheck: POST of a 10-container workload, cold and warm; scans of 500 Pods, 50 failing, against a local registry\n',
    );
    const target = process.env.BENCH_DISTRIBUTION_KIT === 'private' ? await privateKit() : await sharedKit();
    pullcheck =
      'skipped' in target
        ? target
        : await benchPullcheck(target, pullcheckSettings, cleanups).catch((error: unknown) => {
            if (interrupted) throw error;
            return { skipped: `failed: ${(error as Error).message}` };
          });
  }
  let scale: ScaleReport | undefined;
  if (runs('scale')) {
    process.stderr.write(`scale: one distribution over ${scaleSettings.sizes.join(', ')} namespaces, on a private kit\n`);
    if (scaleSettings.profileDir) mkdirSync(scaleSettings.profileDir, { recursive: true });
    scale = await benchScale(scaleSettings, cleanups);
  }
  if (runs('scale-many')) {
    process.stderr.write(
      `scale-many: ${manySettings.distributions} distributions over ${manySettings.namespacesEach} namespaces each, one rotated, on a private kit\n`,
    );
    const many = await benchScaleMany(manySettings, cleanups).catch((error: unknown) => {
      if (interrupted) throw error;
      return { skipped: `failed: ${(error as Error).message}` };
    });
    scale = { ...scale, many };
  }
  await cleanUp();
  const regcredPeaks = Object.entries(watch.peaksMB)
    .filter(([name]) => name.startsWith('regcred'))
    .map(([, mb]) => mb);
  const regcredPeakMB = Math.max(...regcredPeaks);
  const results: Results & {
    distributionFuzz?: DistributionFuzzResults;
    cloud?: CloudResults;
    pullcheck?: PullcheckResults;
    scale?: ScaleReport;
  } = {
    ...(only ? { only } : {}),
    startedAt,
    environment: { ...environment, loadAverage1mAfter: Math.round(loadavg()[0]! * 100) / 100 },
    render,
    apply,
    ...(regcredPeaks.length
      ? {
          memory: {
            regcredPeakMB,
            regcredSampledMaxMB: Math.round(watch.sampledMaxMB * 10) / 10,
            peaksMB: watch.peaksMB,
            met: regcredPeakMB <= TARGETS.peakRssMBMax,
          },
        }
      : {}),
    fanOut,
    distributions,
    distributionsOutage,
    distributionFuzz,
    cloud,
    pullcheck,
    scale,
  };
  printResults(results);
  if (distributionFuzz) process.stdout.write(`${distributionFuzzLines(distributionFuzz).join('\n')}\n`);
  if (cloud) process.stdout.write(`${cloudLines(cloud).join('\n')}\n`);
  if (pullcheck) process.stdout.write(`${pullcheckLines(pullcheck).join('\n')}\n`);
  if (scale) process.stdout.write(`${scaleLines(scale).join('\n')}\n\n${scaleMarkdown(scale)}`);
  writeResults(results, RESULTS_FILE);
  if (scale) writeFileSync(new URL(RESULTS_FILE.pathname.replace(/\.json$/, '.md'), 'file:'), scaleMarkdown(scale));
  if (cloud && !('skipped' in cloud)) writeFileSync(new URL('./results/latest-cloud.md', import.meta.url), cloudMarkdown(cloud));
  process.stdout.write(`results written to bench/results/${RESULTS_FILE.pathname.split('/').at(-1)}\n`);
}

main().catch(async (error: unknown) => {
  // Interrupted: the parts stop with an AbortError, and the signal's handler exits once clean.
  if (interrupted) return cleanUp();
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await cleanUp();
  process.exit(1);
});
