import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
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
  // The line's fields are fixed above and none is a redacted path, so redaction could change
  // nothing in it; skipping it spares ~19 KB of garbage per request (pino redacts key by key).
  const lines = logger.child({}, { redact: { paths: [] } });
  function logLine(this: Response): void {
    const req = this.req as Request;
    const status = this.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    // The child keeps the level it was made with: it follows the logger's, should that change.
    if (lines.level !== logger.level) lines.level = logger.level;
    lines[level](
      {
        requestId: this.locals.requestId as string,
        method: req.method,
        url: req.originalUrl.slice(0, MAX_LOGGED_URL),
        status,
        durationMs: Math.round((performance.now() - (this.locals.accessLogStarted as number)) * 100) / 100,
        remoteAddress: req.socket.remoteAddress,
      },
      'request',
    );
  }
  return (req, res, next) => {
    res.locals.accessLogStarted = performance.now();
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    // One shared listener (a response finishes once): no closure per request.
    res.on('finish', logLine);
    next();
  };
}
