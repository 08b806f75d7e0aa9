import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { realClusterAvailable } from './support/real-cluster.js';

const ROOT = new URL('..', import.meta.url).pathname;

interface Started {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  url: string;
}

const running: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** Starts src/main.ts as `npm start` does, with only the given environment, and waits for its listening line. */
function startService(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'regcred-home-')), PORT: '0', ...env },
  });
  running.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 15 s:\n${lines.join('\n')}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        const port = (JSON.parse(line) as { port?: number }).port;
        if (port) {
          clearTimeout(timer);
          resolve({ child, lines, url: `http://127.0.0.1:${port}` });
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${lines.join('\n')}`)));
  });
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('starting the service (src/main.ts)', () => {
  it('with no cluster configured, runs on the embedded in-memory cluster, says so, serves, and exits 0 on SIGTERM', async () => {
    const { child, lines, url } = await startService({});
    expect(lines.join('\n')).toContain('EMBEDDED IN-MEMORY CLUSTER');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const put = await fetch(`${url}/v1/namespaces/default/pullsecrets/regcred`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'u', password: 'p' }),
    });
    expect(put.status).toBe(201);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', PORT: 'eighty' } });
    running.push(child);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toContain('PORT');
  });

  it('refuses to start with REGCRED_CLUSTER=kubernetes when no cluster is configured', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'regcred-home-')), REGCRED_CLUSTER: 'kubernetes', PORT: '0' },
    });
    running.push(child);
    expect(await exitCode(child)).toBe(2);
  });

  it.runIf(realClusterAvailable())('with KUBECONFIG set, uses that cluster and is ready', async () => {
    const { lines, url } = await startService({ KUBECONFIG: process.env.KUBECONFIG! });
    expect(lines.join('\n')).not.toContain('EMBEDDED IN-MEMORY CLUSTER');
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { cluster: string }).cluster).toContain(process.env.REGCRED_K8S_SERVER!);
  });
});
