import { Router, type RequestHandler } from 'express';
import { CLUSTER_WIDE_OPERATIONS } from '../domain/access/access-policy.js';
import type { OperationOf } from './audit.js';
import { authorize, authorizeEverywhere } from './pipeline/authorize.js';
import { routeLabel } from './pipeline/request-metrics.js';
import type { Route, RouteContext } from './route.js';

// What the route table becomes: routers, the operation a request is (for audit lines written before
// routing) and the templates 405 + Allow are answered for.

/** `/v1/namespaces/{namespace}` → `/v1/namespaces/:namespace`, the form express routes on. */
function expressPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

/** Matches a path the template covers (a trailing slash allowed, as express's routing allows it). */
export function templatePattern(template: string): RegExp {
  const parts = template.split(/(\{[^}]+\})/).map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('')}/?$`);
}

/**
 * A router of routes whose paths start with `prefix` (it is mounted there), each as authorise → read the body → handle.
 * Static segments go before parameters at the same place, so `/pullsecrets/{name}/dockerconfig`
 * and a later `/pullsecrets/{name}/{other}` could not shadow each other, whatever the table's order.
 */
export function routerOf(routes: readonly Route[], context: RouteContext, prefix = ''): Router {
  const router = Router();
  for (const route of mountOrder(routes)) {
    const namespaced = route.path.includes('{namespace}');
    if (namespaced && !route.operation) throw new Error(`${route.operationId} is namespaced but names no operation`);
    const clusterWide = route.operation !== undefined && CLUSTER_WIDE_OPERATIONS.has(route.operation);
    if (namespaced && clusterWide) throw new Error(`${route.operationId} is namespaced but its operation is cluster-wide`);
    const chain: RequestHandler[] = [
      routeLabel(expressPath(route.path)),
      ...(namespaced ? [authorize(context.access, route.operation!)] : []),
      ...(clusterWide ? [authorizeEverywhere(context.access, route.operation!)] : []),
      ...(route.body ? context.parsers[route.body] : []),
      route.handler(context),
    ];
    router[route.method](expressPath(route.path.slice(prefix.length)), ...chain);
  }
  return router;
}

/** The OperationOf routes whose paths start with `prefix`, for paths relative to it. */
export function operationLookup(routes: readonly Route[], prefix: string): OperationOf {
  const known = routes
    .filter((r) => r.operation)
    .map((r) => ({ method: r.method.toUpperCase(), pattern: templatePattern(r.path.slice(prefix.length)), operation: r.operation! }));
  return (method, path) => known.find((r) => r.method === method && r.pattern.test(path))?.operation ?? 'unknown';
}

function mountOrder(routes: readonly Route[]): Route[] {
  // 0 for a static segment, 1 for a parameter: sorting on it puts static before parameters, position by position.
  const shape = (route: Route) =>
    route.path
      .split('/')
      .map((segment) => (segment.startsWith('{') ? '1' : '0'))
      .join('');
  return [...routes].sort((a, b) => (shape(a) < shape(b) ? -1 : shape(a) > shape(b) ? 1 : 0));
}
