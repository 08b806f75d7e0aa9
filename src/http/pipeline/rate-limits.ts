import type { Request, RequestHandler, Response } from 'express';
import { MemoryStore, type Options } from 'express-rate-limit';
import { TooManyRequestsError } from '../../errors.js';
import { callerOf } from '../access.js';
import type { Audit, OperationOf } from '../audit.js';
import { clientAddressOf } from './failed-authentications.js';

const MINUTE_MS = 60_000;

/** Per client IP (IPv6 by /56), before authentication: caps what an unauthenticated caller can make regcred do. */
export function limitPerIp(perMinute: number): RequestHandler {
  return fixedWindowLimit(perMinute, (req) => clientAddressOf(req));
}

/** Per authenticated caller (so callers behind one proxy do not share a budget). */
export function limitPerCaller(perMinute: number, audit: Audit, operationOf: OperationOf): RequestHandler {
  return fixedWindowLimit(
    perMinute,
    (_req, res) => `caller:${callerOf(res.locals).name}`,
    (req, res) => audit(res, { operation: operationOf(req.method, req.path), result: 'denied', reason: 'rate-limited' }),
  );
}

/**
 * At most `perMinute` requests per key in each key's one-minute window (counted in express-rate-limit's
 * memory store, as its middleware counts); the one over is a 429 with Retry-After. express-rate-limit's
 * own middleware is not used: its per-request work (debug arguments, client address worked out three
 * times, a chain of awaits) cost the render path more than the render itself.
 */
function fixedWindowLimit(
  perMinute: number,
  keyOf: (req: Request, res: Response) => string,
  onRefused?: (req: Request, res: Response) => void,
): RequestHandler {
  const store = new MemoryStore();
  store.init({ windowMs: MINUTE_MS } as Options);
  return async (req, res, next) => {
    const { totalHits, resetTime } = await store.increment(keyOf(req, res));
    if (totalHits <= perMinute) return next();
    onRefused?.(req, res);
    next(tooMany(resetTime));
  };
}

function tooMany(reset: Date | undefined): TooManyRequestsError {
  const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
  return new TooManyRequestsError(seconds);
}
