import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PROMETHEUS, ruleGroups } from './monitoring-component.js';

// Debian's Prometheus on loopback: a free port, its own temporary storage, the component's rules, and
// one scrape job named `regcred` (the job the Prometheus Operator derives from the Service's name).

export interface PrometheusProcess {
  readonly url: string;
  /** GET /api/v1/<path> with the query; the `data` of a successful answer. */
  api<T>(path: string, query?: Record<string, string>): Promise<T>;
  output(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(target: string, intervalSeconds = 1): Promise<PrometheusProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-prometheus-'));
  writeFileSync(join(dir, 'regcred-rules.yaml'), stringify({ groups: ruleGroups() }));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: `${intervalSeconds}s`, evaluation_interval: `${intervalSeconds}s` },
      rule_files: ['regcred-rules.yaml'],
      scrape_configs: [{ job_name: 'regcred', metrics_path: '/metrics', static_configs: [{ targets: [target] }] }],
    }),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    output: () => output,
    async api<T>(path: string, query: Record<string, string> = {}): Promise<T> {
      const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(query)}`, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
      return body.data;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
