import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';

/** Whether the service is shutting down; the app reads it (readiness, keep-alive), shutdown sets it. */
export class Lifecycle {
  #draining = false;

  /** For createApp's `isDraining`. */
  readonly isDraining = (): boolean => this.#draining;

  startDraining(): void {
    this.#draining = true;
  }
}

const IDLE_SWEEP_MS = 50;

export interface DrainOptions {
  lifecycle: Lifecycle;
  logger: Logger;
  /** How long in-flight requests get before their connections are cut. */
  graceMs: number;
}

export interface DrainOutcome {
  /** True when every in-flight request finished within the grace period. */
  drained: boolean;
}

/**
 * Returns the shutdown routine: readiness turns false at once, the listener stops accepting
 * connections, idle keep-alive connections are closed, and in-flight requests get up to `graceMs`
 * to finish (each connection is closed once its answer is sent); past that, the remaining ones are cut.
 * Resolves once the server is closed. Calling it again returns the same drain.
 */
export function drainOnShutdown(
  server: HttpServer | HttpsServer,
  { lifecycle, logger, graceMs }: DrainOptions,
): (signal: string) => Promise<DrainOutcome> {
  let drain: Promise<DrainOutcome> | undefined;
  return (signal) => {
    drain ??= new Promise((resolve) => {
      lifecycle.startDraining();
      logger.info({ signal, graceMs }, 'shutting down: readiness is now false; finishing in-flight requests');
      let drained = true;
      const cutOff = setTimeout(() => {
        drained = false;
        logger.warn({ graceMs }, 'in-flight requests did not finish within the grace period; closing their connections');
        server.closeAllConnections();
      }, graceMs);
      // A kept-alive connection whose request finishes after close() would otherwise stay open
      // until keepAliveTimeout; closing idle ones as they appear ends the drain with its last answer.
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      server.close(() => {
        clearTimeout(cutOff);
        clearInterval(sweep);
        if (drained) logger.info('all requests finished; exiting');
        resolve({ drained });
      });
      server.closeIdleConnections();
    });
    return drain;
  };
}
