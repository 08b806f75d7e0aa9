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
    next(new AppError(405, 'Method Not Allowed', `${req.method} is not supported here; use ${allow.join(', ')}`, [], { Allow: allow.join(', ') }));
  };
}
