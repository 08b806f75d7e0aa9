import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import { templatePattern } from '../mount-routes.js';
import type { Route } from '../route.js';

// Allow lists methods in this order, whatever the table's.
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** 405 with an Allow header for a path the route table knows under another method; other requests fall through to 404. */
export function methodNotAllowed(routes: readonly Route[]): RequestHandler {
  const templates = [...new Set(routes.map((r) => r.path))].map((template) => ({
    pattern: templatePattern(template),
    allowed: METHODS.filter((m) => routes.some((r) => r.path === template && r.method === m)).map((m) => m.toUpperCase()),
  }));
  return (req, _res, next) => {
    const route = templates.find((r) => r.pattern.test(req.path));
    if (!route) return next();
    const allow = route.allowed.includes('GET') ? [...route.allowed, 'HEAD'] : route.allowed;
    next(methodNotAllowedError(req.method, allow));
  };
}

/** For paths outside the contract that only serve reads (/docs, /openapi.yaml): other methods get 405 + Allow. */
export const readOnly: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  next(methodNotAllowedError(req.method, ['GET', 'HEAD']));
};

function methodNotAllowedError(method: string, allow: string[]): AppError {
  return new AppError(405, 'Method Not Allowed', `${method} is not supported here; use ${allow.join(', ')}`, [], {
    Allow: allow.join(', '),
  });
}
