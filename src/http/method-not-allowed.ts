import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** 405 with an Allow header for a path the contract knows under another method; other requests fall through to 404. */
export function methodNotAllowed(paths: Record<string, Record<string, unknown>>): RequestHandler {
  const routes = Object.entries(paths).map(([template, item]) => ({
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    allowed: METHODS.filter((m) => m in item).map((m) => m.toUpperCase()),
  }));
  return (req, _res, next) => {
    const route = routes.find((r) => r.pattern.test(req.path));
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
  return new AppError(405, 'Method Not Allowed', `${method} is not supported here; use ${allow.join(', ')}`, [], { Allow: allow.join(', ') });
}
