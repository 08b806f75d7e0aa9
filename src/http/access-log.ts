import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_LOGGED_URL = 512;

/** The id of the request being answered: the caller's X-Request-Id when sane, else one we made. */
export function requestIdOf(res: Response): string | undefined {
  return res.locals.requestId as string | undefined;
}

/**
 * One access line per request, at info (2xx/3xx), warn (4xx) or error (5xx), with the request id
 * taken from X-Request-Id when it is sane (else a new UUID) and echoed back. Only the method, URL,
 * status, duration and peer are logged: never headers or bodies, which carry credentials.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId,
          method: req.method,
          url: req.originalUrl.slice(0, MAX_LOGGED_URL),
          status,
          durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
          remoteAddress: req.socket.remoteAddress,
        },
        'request',
      );
    });
    next();
  };
}
