// `npm run soak`: regcred as deployed (`npm run build`, then dist/main.js with start:prod's heap
// flags) against the kit, under SOAK_SECONDS (default 600) of mixed render/apply/get/list/match
// traffic at SOAK_CONCURRENCY (default 8) connections, all to 127.0.0.1. Samples the service's RSS
// every 10 s and fails (exit 1) on any error or on RSS growth above 10 % after the first minute.
// SOAK_HEAP_SNAPSHOT=<path> also writes a heap snapshot of the service once the traffic ends (read
// it with `npx tsx bench/heap-summary.ts <path>`).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { productionNodeFlags } from './lib/children.js';
import { CREDENTIALS } from './lib/fixtures.js';
import { round } from './lib/load.js';
import { obtainKit } from './lib/kit.js';
import { heapSnapshotter } from './lib/heap-snapshot.js';
import { createBenchNamespace } from './lib/namespace.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
const HEAP_SNAPSHOT = process.env.SOAK_HEAP_SNAPSHOT;
const SAMPLE_MS = 10_000;
const WARM_UP_MS = 60_000;
const MAX_GROWTH = 0.1;
const SECRETS = 20;
const TOKEN = `soak-${Date.now().toString(36)}-not-a-secret`;

type Op = 'render' | 'apply' | 'get' | 'list' | 'match';
// Reads dominate, as for a service that many pipelines ask and fewer write.
const MIX: [Op, number][] = [
  ['render', 3],
  ['apply', 2],
  ['get', 2],
  ['list', 1],
  ['match', 2],
];
const WEIGHTED = MIX.flatMap(([op, weight]) => Array<Op>(weight).fill(op));
const ROUND = WEIGHTED.length;

/** Request `sequence` of the run; each round of MIX works on one secret, so its apply precedes its get. */
function requestFor(op: Op, namespace: string, sequence: number): { method: string; path: string; body?: string } {
  const cycle = Math.floor(sequence / ROUND);
  const secret = `soak-${cycle % SECRETS}`;
  const base = `/v1/namespaces/${namespace}/pullsecrets`;
  switch (op) {
    case 'render':
      return { method: 'POST', path: '/v1/render', body: JSON.stringify(CREDENTIALS) };
    case 'apply':
      return { method: 'PUT', path: `${base}/${secret}`, body: JSON.stringify({ ...CREDENTIALS, password: `s3cr3t-${sequence}` }) };
    case 'get':
      return { method: 'GET', path: `${base}/${secret}` };
    case 'list':
      return { method: 'GET', path: base };
    case 'match':
      return {
        method: 'POST',
        path: `/v1/namespaces/${namespace}/match`,
        body: JSON.stringify({
          images: ['registry.example.com/team/app:1.0', 'nginx'],
          secrets: [secret, `soak-${(cycle + 1) % SECRETS}`],
        }),
      };
  }
}

function send(agent: Agent, port: number, r: { method: string; path: string; body?: string }): Promise<{ status: number; error?: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${TOKEN}`, accept: 'application/json' };
    if (r.body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) });
    const req = request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, error: error.code ?? error.message }));
    req.end(r.body);
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const rssMB = (pid: number) => (Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024) / 1e6;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : Number.NaN;
}

async function main(): Promise<number> {
  process.stderr.write('soak: npm run build\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const kit = await obtainKit();
  const namespace = await createBenchNamespace(kit.kubeconfig);
  const dir = mkdtempSync(join(tmpdir(), 'regcred-soak-'));
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify([{ caller: 'soak', token: TOKEN, namespaces: [namespace.name] }]));
  const port = await freePort();
  const flags = productionNodeFlags();
  const snapshotter = HEAP_SNAPSHOT ? heapSnapshotter() : undefined;
  const child = spawn(process.execPath, [...flags, ...(snapshotter?.flags() ?? []), 'dist/main.js'], {
    cwd: ROOT,
    // Logs at the production level go nowhere, as in the bench: writing them is part of the cost, reading them is not.
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      KUBECONFIG: kit.kubeconfig,
      REGCRED_CLUSTER: 'kubernetes',
      REGCRED_AUTH: 'token',
      REGCRED_TOKENS_FILE: tokensFile,
      // The soak measures memory under steady load, not the limits.
      REGCRED_RATE_LIMIT_PER_MINUTE: '1000000000',
      REGCRED_IP_RATE_LIMIT_PER_MINUTE: '1000000000',
    },
  });
  const stopChild = () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM');
  process.on('exit', stopChild);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    for (let waited = 0; (await send(agent, port, { method: 'GET', path: '/healthz' })).status !== 200; waited += 100) {
      if (waited > 30_000 || child.exitCode !== null) throw new Error('regcred did not answer /healthz within 30 s');
      await sleep(100);
    }
    process.stderr.write(
      `soak: regcred pid ${child.pid} (${flags.join(' ')}) on 127.0.0.1:${port}, namespace ${namespace.name}, ${SECONDS} s at ${CONCURRENCY} connections\n`,
    );

    const latencies: Record<Op, number[]> = { render: [], apply: [], get: [], list: [], match: [] };
    const errors: string[] = [];
    const rss: { atS: number; mb: number }[] = [];
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    const sample = () => rss.push({ atS: Math.round((performance.now() - started) / 1000), mb: round(rssMB(child.pid!), 1) });
    sample();
    const sampler = setInterval(sample, SAMPLE_MS);
    let sequence = 0;
    const worker = async () => {
      while (performance.now() < deadline) {
        const n = sequence++;
        const op = WEIGHTED[n % ROUND]!;
        const begun = performance.now();
        const { status, error } = await send(agent, port, requestFor(op, namespace.name, n));
        // In the first round over the secrets, a get may overtake the apply of its round: a 404 then is no error.
        const expected = (status >= 200 && status < 300) || (status === 404 && op === 'get' && n < SECRETS * ROUND);
        if (expected) latencies[op].push(performance.now() - begun);
        else errors.push(`${op} ${error ?? status}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(sampler);
    sample();
    if (snapshotter && HEAP_SNAPSHOT) await snapshotter.take(child.pid!, port, HEAP_SNAPSHOT);

    const requests = Object.values(latencies).reduce((sum, l) => sum + l.length, 0) + errors.length;
    const baseline = rss.find((s) => s.atS * 1000 >= WARM_UP_MS) ?? rss[0]!;
    const last = rss.at(-1)!;
    const growth = (last.mb - baseline.mb) / baseline.mb;
    console.log(`requests ${requests} in ${SECONDS} s (${round(requests / SECONDS, 0)}/s), errors ${errors.length}`);
    if (errors.length) console.log(`  first errors: ${[...new Set(errors)].slice(0, 10).join(', ')}`);
    console.log(`RSS MB every ${SAMPLE_MS / 1000} s: ${rss.map((s) => `${s.atS}s=${s.mb}`).join(' ')}`);
    console.log(
      `RSS growth after the first minute: ${baseline.mb} MB at ${baseline.atS} s -> ${last.mb} MB at ${last.atS} s = ${round(growth * 100, 1)} % (max ${MAX_GROWTH * 100} %)`,
    );
    for (const [op, l] of Object.entries(latencies)) {
      const sorted = l.sort((a, b) => a - b);
      console.log(
        `  ${op.padEnd(6)} n=${String(sorted.length).padStart(7)} p50 ${round(percentile(sorted, 0.5), 2)} ms  p99 ${round(percentile(sorted, 0.99), 2)} ms`,
      );
    }
    return errors.length === 0 && growth <= MAX_GROWTH ? 0 : 1;
  } finally {
    agent.destroy();
    stopChild();
    await namespace
      .remove()
      .catch((error: unknown) => process.stderr.write(`soak: could not remove ${namespace.name}: ${String(error)}\n`));
    await kit.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
