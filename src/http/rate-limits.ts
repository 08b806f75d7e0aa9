import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { TooManyRequestsError } from '../errors.js';
import type { Audit } from './audit.js';
import { callerOf } from './authenticate.js';
import type { OperationOf } from './route-table.js';

const MINUTE_MS = 60_000;

/** Per client IP, before authentication: caps what an unauthenticated caller can make regcred do. */
export function limitPerIp(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: MINUTE_MS,
    limit: perMinute,
    standardHeaders: false,
    legacyHeaders: false,
    validate: { xForwardedForHeader: false },
    handler: (req, _res, next) => next(tooMany(req)),
  });
}

/** Per authenticated caller (so callers behind one proxy do not share a budget). */
export function limitPerCaller(perMinute: number, audit: Audit, operationOf: OperationOf): RequestHandler {
  return rateLimit({
    windowMs: MINUTE_MS,
    limit: perMinute,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: (_req, res) => `caller:${callerOf(res.locals).name}`,
    validate: { xForwardedForHeader: false, keyGeneratorIpFallback: false },
    handler: (req, res, next) => {
      audit(res, { operation: operationOf(req.method, req.path), result: 'denied', reason: 'rate-limited' });
      next(tooMany(req));
    },
  });
}

function tooMany(req: Request): TooManyRequestsError {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
  return new TooManyRequestsError(seconds);
}
