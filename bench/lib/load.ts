import autocannon, { type Client, type Request } from 'autocannon';
import { BENCH_TOKEN, type RequestFactory } from './fixtures.js';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  request: RequestFactory;
  /** Counts 2xx answers whose body passes this check (e.g. a PUT that really updated). */
  bodyCheck?: (body: string) => boolean;
  /** Called about every 200 ms while the load runs (memory sampling). */
  onSample?: () => void;
}

/** The raw outcome of one autocannon run; several are merged by summarize(). */
export interface Sample {
  /** Milliseconds per 2xx answer, from autocannon's hrtime durations (its own histogram keeps whole ms only). */
  latencies: number[];
  elapsedS: number;
  non2xx: number;
  errors: number;
  checked: number;
  /** CPU seconds the server process used meanwhile, when measured. */
  serverCpuS?: number;
}

export interface Measurement {
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Server-process CPU (all threads) per 2xx answer: what bounds req/s when the server has one core. */
  cpuMsPerRequest: number;
  non2xx: number;
  errors: number;
  /** 2xx answers that passed the body check, when there was one. */
  checked?: number;
}

let sequence = 0;

export async function runLoad(options: LoadOptions): Promise<Sample> {
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
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${BENCH_TOKEN}` },
        setupRequest: (r) => ({ ...r, ...options.request(connection, sequence++) }),
        onResponse: (status, body) => {
          if (status >= 200 && status < 300 && options.bodyCheck?.(body)) checked++;
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
    return { latencies, elapsedS, non2xx: result.non2xx, errors: result.errors, checked };
  } finally {
    if (sampler) clearInterval(sampler);
  }
}

export function summarize(samples: Sample[], connections: number, withCheck: boolean): Measurement {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const elapsedS = samples.reduce((sum, s) => sum + s.elapsedS, 0);
  const total = (key: 'non2xx' | 'errors' | 'checked') => samples.reduce((sum, s) => sum + s[key], 0);
  return {
    connections,
    seconds: round(elapsedS, 2),
    requests: latencies.length,
    reqPerSec: round(latencies.length / elapsedS, 0),
    p50Ms: round(percentile(latencies, 0.5), 2),
    p99Ms: round(percentile(latencies, 0.99), 2),
    cpuMsPerRequest: round((samples.reduce((sum, s) => sum + (s.serverCpuS ?? Number.NaN), 0) * 1000) / latencies.length, 3),
    non2xx: total('non2xx'),
    errors: total('errors'),
    ...(withCheck ? { checked: total('checked') } : {}),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
