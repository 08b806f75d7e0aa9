import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';

/** What a probe saw: every answer's latency from the moment it was due, so a blocked event loop counts in full. */
export interface HealthzLatency {
  probes: number;
  /** Answers other than 200, and requests that failed or took longer than the timeout. */
  failures: number;
  worstMs: number;
  p99Ms: number;
}

/**
 * Asks GET /healthz every `intervalMs` over one kept-alive connection until stopped. Latency is
 * counted from when a probe was due, not from when it was sent (no coordinated omission): a probe
 * due while the server's event loop — or, in-process, our own — is blocked waits, and that counts.
 */
export function probeHealthz(url: string, { intervalMs = 20, timeoutMs = 5000 } = {}): { stop(): Promise<HealthzLatency> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failures = 0;
  let stopped = false;
  const once = () =>
    new Promise<boolean>((done) => {
      const request = get(`${url}/healthz`, { agent, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200));
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => done(false));
    });
  const loop = (async () => {
    const started = performance.now();
    for (let k = 0; !stopped; k++) {
      const due = started + k * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const ok = await once();
      latencies.push(performance.now() - due);
      if (!ok) failures++;
      // Far behind (a long block): start counting again from now rather than firing a burst.
      if (performance.now() - due > 10 * intervalMs) k = Math.floor((performance.now() - started) / intervalMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      agent.destroy();
      const sorted = [...latencies].sort((a, b) => a - b);
      const round = (ms: number) => Math.round(ms * 10) / 10;
      return {
        probes: sorted.length,
        failures,
        worstMs: round(sorted.at(-1) ?? 0),
        p99Ms: round(sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0),
      };
    },
  };
}
