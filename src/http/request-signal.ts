import { setMaxListeners } from 'node:events';
import type { Response } from 'express';
import { MAX_REGISTRIES } from '../domain/docker-config/credential-schemas.js';

// Two listeners per registry at most (its wait for a slot, its check's combined deadline), and a request names at most 100.
export const LISTENERS_PER_REQUEST = 2 * MAX_REGISTRIES + 8;

/**
 * Aborted when the client goes away before its answer is sent (it disconnected or reset the
 * connection): work done for it from then on would be wasted. Node's request timeout covers only
 * receiving the request, so it does not end handling; verificationStep adds its own deadline.
 */
export function requestSignal(res: Response): AbortSignal {
  const existing = res.locals.requestSignal as AbortSignal | undefined;
  if (existing) return existing;
  const controller = new AbortController();
  setMaxListeners(LISTENERS_PER_REQUEST, controller.signal);
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client went away before its answer'));
  });
  res.locals.requestSignal = controller.signal;
  return controller.signal;
}
