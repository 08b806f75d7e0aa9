import { BENCH_TOKEN } from './fixtures.js';

/** What the bench reads of a distribution's status (GET /v1/distributions/{name}). */
export interface DistributionStatusView {
  contentHash?: string;
  contentChangedAt?: string;
  rolledOutAt?: string;
  counts?: Record<string, number>;
}

/** The few regcred calls the distributions bench makes, with the bench's bearer token. */
export class RegcredClient {
  constructor(private readonly url: string) {}

  /** PUT /v1/distributions/{name}; throws unless 200 or 201. */
  async putDistribution(name: string, body: object): Promise<void> {
    const res = await this.call('PUT', `/v1/distributions/${name}`, body);
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT /v1/distributions/${name}: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
  }

  /** The distribution's status, or undefined while it has none; null once the distribution is gone. */
  async distributionStatus(name: string): Promise<DistributionStatusView | undefined | null> {
    const res = await this.call('GET', `/v1/distributions/${name}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new Error(`GET /v1/distributions/${name}: ${res.status}`);
    return ((await res.json()) as { status?: DistributionStatusView }).status;
  }

  /** DELETE /v1/distributions/{name}?orphan=false (the copies go too); a 404 is fine. */
  async deleteDistribution(name: string): Promise<void> {
    const res = await this.call('DELETE', `/v1/distributions/${name}?orphan=false`);
    if (res.status !== 202 && res.status !== 404) throw new Error(`DELETE /v1/distributions/${name}: ${res.status}`);
    await res.body?.cancel();
  }

  /**
   * The sum of a metric's samples whose labels include `labels` (all of them when none are given),
   * from GET /metrics.
   */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await this.metricsText();
    let sum = 0;
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
      if (!match || match[1] !== name) continue;
      const wanted = Object.entries(labels).every(([k, v]) => match[2]?.includes(`${k}="${v}"`));
      if (wanted) sum += Number(match[3]);
    }
    return sum;
  }

  /** GET /metrics, whole. */
  async metricsText(): Promise<string> {
    return (await this.call('GET', '/metrics')).text();
  }

  private call(method: string, path: string, body?: object): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  }
}
