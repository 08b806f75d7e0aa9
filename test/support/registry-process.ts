import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, tracked } from './loopback.js';
import type { TestCa } from './test-ca.js';

export interface TestRegistry {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, as a docker config's `auths` key names the registry. */
  host: string;
  port: number;
  /** The CA its TLS certificate chains to: what a client must trust. */
  ca: TestCa;
  /** Kills the registry and removes its files; a later `start()` begins with empty storage. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers (nothing when it is running). */
  start(): Promise<void>;
  /** What it wrote on stdout and stderr so far (its log and access log), across restarts. */
  logs(): string;
}

export interface RegistryLaunch {
  binary: string;
  ca: TestCa;
  /** Files (name → content) written beside the config before each start. */
  files: Record<string, string>;
  /** The config's `auth` section, given the directory holding `files`. */
  auth: (dir: string) => object;
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_LIMIT = 1 << 20;
// The kernel then kills the registry when this worker dies, even by SIGKILL: no orphans.
const SETPRIV = '/usr/bin/setpriv';

const alive = new Map<ChildProcess, string>();
let exitHookInstalled = false;

/** Starts docker-registry with TLS on a free loopback port and waits until `/v2/` answers. */
export async function launchRegistry(launch: RegistryLaunch): Promise<TestRegistry> {
  for (let attempt = 1; ; attempt++) {
    const registry = registryOnPort(launch, await freePort());
    try {
      await registry.start();
      return registry;
    } catch (error) {
      await registry.stop();
      // Someone may take the port between freePort() and the registry's bind.
      if (attempt >= 3 || !registry.logs().includes('address already in use')) throw error;
    }
  }
}

function registryOnPort(launch: RegistryLaunch, port: number): TestRegistry {
  const host = `127.0.0.1:${port}`;
  const url = `https://${host}`;
  let output = '';
  const append = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-LOG_LIMIT));
  let running: { child: ChildProcess; dir: string } | undefined;
  let stopTracked: (() => Promise<void>) | undefined;

  const stopNow = async () => {
    const current = running;
    running = undefined;
    if (!current) return;
    await kill(current.child);
    alive.delete(current.child);
    rmSync(current.dir, { recursive: true, force: true });
  };
  const start = async () => {
    if (running && isRunning(running.child)) return;
    await stopNow();
    const dir = mkdtempSync(join(tmpdir(), 'regcred-registry-'));
    const files = {
      ...launch.files,
      'tls.crt': readFileSync(launch.ca.certFile, 'utf8'),
      'tls.key': readFileSync(launch.ca.keyFile, 'utf8'),
    };
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
    // JSON is YAML, and spares a serialiser.
    writeFileSync(join(dir, 'config.yml'), JSON.stringify(registryConfig(launch, dir, host)));
    const child = spawnRegistry(launch.binary, join(dir, 'config.yml'), append);
    running = { child, dir };
    alive.set(child, dir);
    stopTracked = tracked(stopNow);
    await waitUntilAnswering(url, launch.ca, child, () => output);
  };
  const stop = async () => {
    const tracking = stopTracked;
    stopTracked = undefined;
    await (tracking ?? stopNow)();
  };
  return { url, host, port, ca: launch.ca, start, stop, logs: () => output };
}

function registryConfig(launch: RegistryLaunch, dir: string, host: string): object {
  return {
    version: '0.1',
    log: { level: 'info' },
    storage: {
      filesystem: { rootdirectory: join(dir, 'storage') },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: host,
      secret: randomBytes(16).toString('hex'),
      tls: { certificate: join(dir, 'tls.crt'), key: join(dir, 'tls.key') },
    },
    auth: launch.auth(dir),
  };
}

function spawnRegistry(binary: string, configFile: string, append: (chunk: Buffer) => void): ChildProcess {
  installExitHook();
  const [command, args] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', binary, 'serve', configFile]]
    : [binary, ['serve', configFile]];
  // Only PATH: the registry reads REGISTRY_* variables as config overrides.
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  child.on('error', (error) => append(Buffer.from(`cannot run ${binary}: ${error.message}\n`)));
  return child;
}

async function waitUntilAnswering(url: string, ca: TestCa, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(`${url}/v2/`, ca.caPem))) {
    if (!isRunning(child))
      throw new Error(
        `docker-registry ended (${child.exitCode ?? child.signalCode ?? 'did not start'}) before answering ${url}/v2/:\n${logs().slice(-4000)}`,
      );
    if (Date.now() > deadline)
      throw new Error(`docker-registry did not answer ${url}/v2/ within ${START_TIMEOUT_MS} ms:\n${logs().slice(-4000)}`);
    await delay(25);
  }
}

/** Whether anything answers HTTPS at `url` with a certificate `ca` vouches for. */
function answers(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { ca, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

async function kill(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timeout = new AbortController();
  const late = delay(STOP_TIMEOUT_MS, 'late', { signal: timeout.signal }).catch(() => 'aborted');
  const first = await Promise.race([exited, late]);
  timeout.abort();
  if (first !== 'late') return;
  child.kill('SIGKILL');
  await exited;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanUp = () => {
    for (const [child, dir] of alive) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    alive.clear();
  };
  process.once('exit', cleanUp);
  // vitest ends a worker with SIGTERM, which skips 'exit' hooks: clean up, then die of it as before.
  process.once('SIGTERM', () => {
    cleanUp();
    process.kill(process.pid, 'SIGTERM');
  });
}
