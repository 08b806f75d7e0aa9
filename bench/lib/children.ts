import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { bundleServer } from '../../scripts/build.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STARTUP_TIMEOUT_MS = 30_000;
const running = new Set<ChildProcess>();

// Children must not outlive the bench, however it ends.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  /** Peak resident set size so far (VmHWM), in MB (10^6 bytes). */
  peakRssMB(): number;
  /** Current resident set size (VmRSS), in MB (10^6 bytes). */
  rssMB(): number;
  /** CPU time used so far, user + system, all threads (clock-tick resolution). */
  cpuSeconds(): number;
  /** How the process ended, once it has (undefined while it runs). */
  exit(): { code: number | null; signal: string | null } | undefined;
  stop(): Promise<void>;
}

/** regcred's entry point in a child: also keeps the last lines of its stderr (a fatal V8 error lands there). */
export interface RegcredProcess extends ServerProcess {
  stderrTail(): string[];
}

const STDERR_TAIL_LINES = 20;

/** The V8 flags regcred runs with in production: those of `npm run start:prod` (and the container). */
export function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts['start:prod']!.split(/\s+/).filter((arg) => arg.startsWith('--'));
}

/**
 * Compiles src/ and bench/ to bench/.build, so servers run as plain JavaScript (no tsx loader), and
 * bundles src/main.ts into bench/.build/dist as `npm run build` does for the image.
 */
export async function compileServers(): Promise<void> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], { cwd: ROOT, stdio: 'inherit' });
  await bundleServer(`${ROOT}/${BUNDLED_MAIN_DIR}`);
}

const BUNDLED_MAIN_DIR = 'bench/.build/dist';
// A profile names each function by its file, which only the unbundled build keeps apart (bench/lib/profile-summary.ts).
const UNBUNDLED_MAIN = 'bench/.build/src/main.js';

/**
 * Starts the compiled bench/servers/<script> with plain node in its own process, with stdout on
 * /dev/null (where a server's logs go), and waits for it to report its port over IPC. `env` is
 * added to the bench's own environment.
 */
export function startServer(
  name: string,
  script: string,
  args: string[] = [],
  nodeFlags: string[] = [],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const compiled = `bench/.build/bench/servers/${script.replace(/\.ts$/, '.js')}`;
  const child = spawn(process.execPath, [...nodeFlags, compiled, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not report a port within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('exit', (code, signal) => fail(new Error(`${name} exited during start-up (code ${code}, signal ${signal})`)));
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.once('exit', () => running.delete(child));
      resolve(handleOf(name, child, message.port));
    });
  });
}

/**
 * Starts regcred's own entry point, src/main.ts bundled as for the image (unbundled when profiled;
 * controller and leader election included), with the V8 flags of start:prod (and `extraNodeFlags`), listening on a free port on
 * 127.0.0.1, and waits until /healthz answers. `env` is added to the bench's own environment; stdout
 * (the logs) goes to /dev/null, stderr to the bench's.
 */
export async function startRegcredMain(name: string, env: Record<string, string>, extraNodeFlags: string[] = []): Promise<RegcredProcess> {
  const port = await freePort();
  const profiled = extraNodeFlags.some((flag) => flag.startsWith('--inspect'));
  const entry = profiled ? UNBUNDLED_MAIN : `${BUNDLED_MAIN_DIR}/main.js`;
  const child = spawn(process.execPath, [...productionNodeFlags(), ...extraNodeFlags, entry], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const tail: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    process.stderr.write(chunk);
    tail.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
    tail.splice(0, Math.max(0, tail.length - STDERR_TAIL_LINES));
  });
  const handle = { ...handleOf(name, child, port), stderrTail: () => [...tail] };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`);
    if (
      await fetch(`${handle.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return handle;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not answer /healthz within ${STARTUP_TIMEOUT_MS} ms`);
}

function handleOf(name: string, child: ChildProcess, port: number): ServerProcess {
  const pid = child.pid!;
  return {
    name,
    pid,
    url: `http://127.0.0.1:${port}`,
    peakRssMB: () => (statusKiB(pid, 'VmHWM') * 1024) / 1e6,
    rssMB: () => (statusKiB(pid, 'VmRSS') * 1024) / 1e6,
    cpuSeconds: () => cpuSeconds(pid),
    exit: () => (child.exitCode === null && child.signalCode === null ? undefined : { code: child.exitCode, signal: child.signalCode }),
    stop: () => stopChild(child),
  };
}

/** A TCP port free on 127.0.0.1 just now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

// /proc/<pid>/stat: utime and stime are fields 14 and 15, counted after the ")" closing the command name.
const CLOCK_TICKS_PER_SECOND = 100;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
