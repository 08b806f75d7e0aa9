import type { Request, RequestHandler, Response } from 'express';
import { TooManyRequestsError } from '../../errors.js';
import { callerOf } from '../access.js';
import type { Audit, OperationOf } from '../audit.js';
import { clientAddressOf } from './failed-authentications.js';
import { FixedWindowCounter } from './fixed-window-counter.js';

const MINUTE_MS = 60_000;

/** Per client IP (IPv6 by /56), before authentication: caps what an unauthenticated caller can make regcred do. */
export function limitPerIp(perMinute: number): RequestHandler {
  return fixedWindowLimit(perMinute, (req) => clientAddressOf(req));
}

/** Per authenticated caller (so callers behind one proxy do not share a budget). */
export function limitPerCaller(perMinute: number, audit: Audit, operationOf: OperationOf): RequestHandler {
  return fixedWindowLimit(
    perMinute,
    (_req, res) => callerOf(res.locals).name,
    (req, res) => audit(res, { operation: operationOf(req.method, req.path), result: 'denied', reason: 'rate-limited' }),
  );
}

/**
 * At most `perMinute` requests per key in each key's one-minute window; the one over is a 429 with
 * Retry-After. Counted synchronously in memory: a store behind a promise (express-rate-limit's) cost
 * the render path more than the render itself.
 */
function fixedWindowLimit(
  perMinute: number,
  keyOf: (req: Request, res: Response) => string,
  onRefused?: (req: Request, res: Response) => void,
): RequestHandler {
  const counter = new FixedWindowCounter(MINUTE_MS);
  return (req, res, next) => {
    const { count, resetAt } = counter.hit(keyOf(req, res));
    if (count <= perMinute) return next();
    onRefused?.(req, res);
    next(new TooManyRequestsError(Math.max(1, Math.ceil((resetAt - Date.now()) / 1000))));
  };
}
