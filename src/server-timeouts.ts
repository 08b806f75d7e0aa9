import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

/**
 * The listener's timeouts. Load balancers and proxies keep idle upstream connections open for up to
 * 60 s (AWS ALB, nginx's keepalive_timeout); if regcred closed an idle connection first, a request
 * the proxy sent on it at that moment would be dropped without an answer. So idle connections live
 * 65 s, and a new request's headers may take until just past that (a client can hold an idle
 * connection that long anyway, so slow headers gain it nothing more). The whole request (headers and
 * body, at most the body limit) must arrive within 70 s; handling time is not bounded by these.
 */
export const SERVER_TIMEOUTS = { keepAliveTimeoutMs: 65_000, headersTimeoutMs: 66_000, requestTimeoutMs: 70_000 } as const;

export function applyServerTimeouts(server: HttpServer | HttpsServer, timeouts = SERVER_TIMEOUTS): void {
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
}
