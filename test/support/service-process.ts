import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface Started {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Everything written to stderr so far. */
  stderr: () => string;
  port: number;
  url: string;
}

const running: ChildProcessWithoutNullStreams[] = [];

/** Kills what the tests started (call from afterEach). */
export function killServices(): void {
  for (const child of running.splice(0)) child.kill('SIGKILL');
}

/** Spawns src/main.ts as `npm start` does, with only PATH, a fresh HOME and PORT=0 besides `env`. */
export function spawnService(env: Record<string, string>, nodeFlags: string[] = []): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'regcred-home-')), PORT: '0', ...env },
  });
  running.push(child);
  return child;
}

/** Starts the service and waits for its start-up line (the JSON line with a `port`). */
export function startService(env: Record<string, string>, scheme: 'http' | 'https' = 'http', nodeFlags: string[] = []): Promise<Started> {
  const child = spawnService(env, nodeFlags);
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 15 s:\n${lines.join('\n')}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        const port = (JSON.parse(line) as { port?: number }).port;
        if (port) {
          clearTimeout(timer);
          resolve({ child, lines, stderr: () => stderr, port, url: `${scheme}://127.0.0.1:${port}` });
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${lines.join('\n')}`)));
  });
}

export function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}
