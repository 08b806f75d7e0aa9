import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';

// The TLS settings client-node puts on the agent it makes for each call; two agents with the same
// values can share connections.
const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
const MAX_SOCKETS = 32;

/**
 * client-node 1.4 builds a new https.Agent for every API call, so every call pays a TCP and TLS
 * handshake (most of an update's cost). This swaps it for one keep-alive agent per distinct TLS
 * configuration: a rotated client certificate or CA gets a new agent, never a stale connection.
 * Agents it does not recognise (proxy agents) pass through untouched.
 */
export class KeepAliveAgents {
  private current?: { fingerprint: string; agent: HttpsAgent };
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });

  reuse(agent: HttpAgent | HttpsAgent | undefined): HttpAgent | HttpsAgent | undefined {
    if (agent?.constructor === HttpAgent) return this.http;
    if (agent?.constructor !== HttpsAgent) return agent;
    const options = (agent as HttpsAgent & { options: AgentOptions }).options;
    const fingerprint = fingerprintOf(options);
    if (this.current?.fingerprint !== fingerprint) {
      this.current?.agent.destroy();
      const tls = Object.fromEntries(TLS_OPTIONS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
      this.current = { fingerprint, agent: new HttpsAgent({ ...tls, keepAlive: true, maxSockets: MAX_SOCKETS }) };
    }
    return this.current.agent;
  }

  destroy(): void {
    this.current?.agent.destroy();
    this.http.destroy();
  }
}

function fingerprintOf(options: AgentOptions): string {
  const hash = createHash('sha256');
  for (const key of TLS_OPTIONS)
    hash
      .update(`${key}=`)
      .update(String(options[key] ?? ''))
      .update('\0');
  return hash.digest('hex');
}
