import autocannon, { type Client, type Request } from 'autocannon';

/** What one connection sends next: `connection` is its index, `sequence` unique across the whole bench. */
export type RequestFactory = (connection: number, sequence: number) => { method: 'POST' | 'PUT'; path: string; body: string };

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  request: RequestFactory;
  /** Counts answers whose body passes this check (e.g. a PUT that really updated). */
  bodyCheck?: (body: string) => boolean;
  /** Called about every 200 ms while the load runs (memory sampling). */
  onSample?: () => void;
}

export interface Measurement {
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  /** Milliseconds, from autocannon's per-response hrtime durations (2xx answers only). */
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Answers passing bodyCheck, when one was given. */
  checked?: number;
}

let sequence = 0;

/** Drives `url` with autocannon for `seconds` and summarises the 2xx latencies exactly (autocannon's own histogram rounds to whole ms). */
export async function runLoad(options: LoadOptions): Promise<Measurement> {
  const latencies: number[] = [];
  let checked = 0;
  let nextConnection = 0;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 10,
    setupClient: (client: Client) => {
      const connection = nextConnection++;
      const request: Request = {
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        setupRequest: (r) => ({ ...r, ...options.request(connection, sequence++) }),
        onResponse: (status, body) => {
          if (status < 300 && options.bodyCheck?.(body)) checked++;
        },
      };
      client.setRequests([request]);
    },
  });
  instance.on('response', (_client: Client, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const sampler = options.onSample && setInterval(options.onSample, 200);
  const started = process.hrtime.bigint();
  try {
    const result = await instance;
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    return {
      connections: options.connections,
      seconds: round(elapsedS, 2),
      requests: latencies.length,
      reqPerSec: round(latencies.length / elapsedS, 0),
      p50Ms: round(percentile(latencies, 0.5), 2),
      p99Ms: round(percentile(latencies, 0.99), 2),
      non2xx: result.non2xx,
      errors: result.errors,
      ...(options.bodyCheck ? { checked } : {}),
    };
  } finally {
    if (sampler) clearInterval(sampler);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
