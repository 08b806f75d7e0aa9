import type { RequestHandler } from 'express';
import { PresentedToken } from '../../domain/access/caller-tokens.js';
import { TooManyRequestsError, UnauthorizedError } from '../../errors.js';
import type { AccessControl } from '../access.js';
import type { OperationOf } from '../audit.js';
import { clientAddressOf } from './failed-authentications.js';

const BEARER = /^Bearer +([\x21-\x7e]{1,4096})$/i;

/**
 * Who calls: the bearer token is checked by the gatekeeper; a missing or unknown token is a 401
 * with `WWW-Authenticate: Bearer` (and an audit line), whatever the path asked for. An address that
 * failed too often is answered 429 first, without the token being checked (see FailedAuthentications).
 * `operationOf` names the operation in those audit lines, as routing has not happened yet.
 */
export function authenticate({ gatekeeper, audit, failedAuthentications }: AccessControl, operationOf: OperationOf): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    const value = header ? BEARER.exec(header)?.[1] : undefined;
    const token = value === undefined ? undefined : new PresentedToken(value);
    // A malformed Authorization header is refused as it is, never taken for "no token".
    const check = () => (header && !token ? Promise.resolve(undefined) : gatekeeper.authenticate(token));
    // In none mode nobody fails: there is nothing to count.
    const screened =
      gatekeeper.mode === 'none'
        ? { checked: true as const, caller: await check() }
        : await failedAuthentications.screen(req, token, check);
    if (!screened.checked) {
      audit(res, { operation: operationOf(req.method, req.path), result: 'denied', reason: 'authentication-rate-limited' });
      throw new TooManyRequestsError(screened.retryAfter);
    }
    const caller = screened.caller;
    if (!caller) {
      audit(res, { operation: operationOf(req.method, req.path), result: 'denied', reason: 'unauthenticated' });
      throw new UnauthorizedError();
    }
    res.locals.caller = caller;
    res.locals.shareKey = gatekeeper.mode === 'none' ? `address:${clientAddressOf(req)}` : `caller:${caller.name}`;
    next();
  };
}
