// `npm run bench`: regcred against its baselines, each server in a child process on 127.0.0.1;
// prints a table and writes bench/results/latest.json. See README "Benchmarks".
import { availableParallelism, loadavg } from 'node:os';
import { benchApply } from './lib/apply.js';
import { compileServers, productionNodeFlags, startServer } from './lib/children.js';
import { renderRequest } from './lib/fixtures.js';
import { compare, MemoryWatch, type Settings } from './lib/measure.js';
import { isClean, printResults, TARGETS, writeResults, type Results } from './lib/report.js';

const settings: Settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
};
const RENDER_CONNECTIONS = 10;
// 1 connection: latency without queueing, where the target is judged; 4: the same under concurrency.
const APPLY_CONCURRENCIES = [1, 4];
const RESULTS_FILE = new URL('./results/latest.json', import.meta.url);
const LOGGING =
  "regcred as deployed: bearer-token auth and both rate limiters on every request, metrics, pino at 'info' (buffered) to stdout, which is /dev/null here; the baselines ignore the token";

const cleanups: Array<() => Promise<void>> = [];

async function cleanUp(): Promise<void> {
  // Last registered first: servers, then the namespace, then a kit the bench started.
  for (const step of cleanups.splice(0).reverse()) {
    await step().catch((error: unknown) => process.stderr.write(`bench: clean-up step failed: ${String(error)}\n`));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function benchRender(watch: MemoryWatch): Promise<Results['render']> {
  process.stderr.write('render: POST /v1/render\n');
  const [bare, regcred] = await Promise.all([
    startServer('bare Express 5 (render)', 'bare-render-server.ts'),
    startServer('regcred (render)', 'regcred-server.ts', ['memory'], productionNodeFlags()),
  ]);
  cleanups.push(bare.stop, regcred.stop);
  const [bareResult, regcredResult] = await compare(
    { server: bare, request: renderRequest },
    { server: regcred, request: renderRequest, watch },
    settings,
    { connections: RENDER_CONNECTIONS },
  );
  watch.recordPeak(bare);
  watch.recordPeak(regcred);
  await Promise.all([bare.stop(), regcred.stop()]);
  const ratio = Math.round((regcredResult.reqPerSec / bareResult.reqPerSec) * 100) / 100;
  const met = isClean(bareResult) && isClean(regcredResult) && ratio >= TARGETS.renderRatioMin;
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
  compileServers();
  const startedAt = new Date().toISOString();
  const watch = new MemoryWatch();
  const render = await benchRender(watch);
  process.stderr.write('apply: PUT /v1/namespaces/<ns>/pullsecrets/<name>\n');
  const apply = await benchApply(settings, APPLY_CONCURRENCIES, watch, cleanups);
  await cleanUp();
  const regcredPeakMB = Math.max(
    ...Object.entries(watch.peaksMB)
      .filter(([name]) => name.startsWith('regcred'))
      .map(([, mb]) => mb),
  );
  const results: Results = {
    startedAt,
    environment: { ...environment, loadAverage1mAfter: Math.round(loadavg()[0]! * 100) / 100 },
    render,
    apply,
    memory: {
      regcredPeakMB,
      regcredSampledMaxMB: Math.round(watch.sampledMaxMB * 10) / 10,
      peaksMB: watch.peaksMB,
      met: regcredPeakMB <= TARGETS.peakRssMBMax,
    },
  };
  printResults(results);
  writeResults(results, RESULTS_FILE);
  process.stdout.write(`results written to bench/results/latest.json\n`);
}

main().catch(async (error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await cleanUp();
  process.exit(1);
});
