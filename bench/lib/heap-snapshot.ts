import { mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SIGNAL = 'SIGUSR2';
const WRITE_TIMEOUT_MS = 120_000;

/** Where a child started with flags() writes the snapshot it is asked for by take(). */
export interface HeapSnapshotter {
  /** Node flags that make the child write a heap snapshot on SIGUSR2, into a directory of our own. */
  flags(): string[];
  /** Asks the child for a snapshot and moves it to `path` once written; prints the child's memory as it reported it just before. */
  take(pid: number, port: number, path: string): Promise<void>;
}

export function heapSnapshotter(): HeapSnapshotter {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-heap-'));
  return {
    flags: () => [`--heapsnapshot-signal=${SIGNAL}`, `--diagnostic-dir=${dir}`],
    async take(pid, port, path) {
      // Read before the snapshot: writing one allocates, and its RSS would be counted.
      const memory = await memoryMetrics(port);
      process.stderr.write(`heap snapshot of pid ${pid} requested\n`);
      process.kill(pid, SIGNAL);
      const written = await snapshotWritten(dir, port);
      renameSync(written, path);
      rmSync(dir, { recursive: true, force: true });
      console.log(`heap snapshot: ${path} (${(statSync(path).size / 1e6).toFixed(0)} MB)`);
      console.log(`child memory before it: ${memory}`);
    },
  };
}

// The snapshot is written on the child's main thread: once it answers again, the file is complete.
async function snapshotWritten(dir: string, port: number): Promise<string> {
  const deadline = Date.now() + WRITE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot'));
    if (file && (await memoryMetrics(port).catch(() => undefined))) return join(dir, file);
    await sleep(200);
  }
  throw new Error(`no heap snapshot written within ${WRITE_TIMEOUT_MS / 1000} s`);
}

const MEMORY_METRICS = [
  'process_resident_memory_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
];

/** The child's own account of its memory, from prom-client's default metrics at /metrics, in MB. */
function memoryMetrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const values = MEMORY_METRICS.map((name) => {
          const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
          return `${name.replace(/^(process|nodejs)_/, '').replace(/_bytes$/, '')}=${(Number(value) / 1e6).toFixed(1)}`;
        });
        const spaces = [...text.matchAll(/^nodejs_heap_space_size_used_bytes\{space="(\w+)"\} (\S+)$/gm)].map(
          ([, space, value]) => `${space}=${(Number(value) / 1e6).toFixed(1)}`,
        );
        resolve(`${values.join(' ')}; heap spaces used: ${spaces.join(' ')}`);
      });
    }).on('error', reject);
  });
}
