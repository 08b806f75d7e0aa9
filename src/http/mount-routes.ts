import { Router, type IRouter, type Request, type RequestHandler } from 'express';
import { CLUSTER_WIDE_OPERATIONS } from '../domain/access/access-policy.js';
import type { OperationOf } from './audit.js';
import { authorize, authorizeEverywhere } from './pipeline/authorize.js';
import { inSequence } from './pipeline/in-sequence.js';
import { routeLabel } from './pipeline/request-metrics.js';
import { bodyBytes } from './pipeline/body-parsers.js';
import type { InputOf, Route, RouteContext, RouteInput } from './route.js';
import { parseInput } from './validate.js';

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
 * A router of routes whose paths start with `prefix` (it is mounted there), each as authorise → read the body →
 * validate the input (path, query, body, in that order) → handle.
 * Static segments go before parameters at the same place, so `/pullsecrets/{name}/dockerconfig`
 * and a later `/pullsecrets/{name}/{other}` could not shadow each other, whatever the table's order.
 */
export function routerOf(routes: readonly Route[], context: RouteContext, prefix = ''): Router {
  const router = Router();
  mountRoutes(router, routes, context, prefix);
  return router;
}

/** routerOf's routes, mounted on `target` itself (the app: one router fewer for every request to pass through). */
export function mountRoutes(target: IRouter, routes: readonly Route[], context: RouteContext, prefix = ''): void {
  for (const route of mountOrder(routes)) {
    const namespaced = route.path.includes('{namespace}');
    if (namespaced && !route.operation) throw new Error(`${route.operationId} is namespaced but names no operation`);
    const clusterWide = route.operation !== undefined && CLUSTER_WIDE_OPERATIONS.has(route.operation);
    if (namespaced && clusterWide) throw new Error(`${route.operationId} is namespaced but its operation is cluster-wide`);
    checkPathParams(route);
    const chain: RequestHandler[] = [
      routeLabel(expressPath(route.path)),
      ...(namespaced ? [authorize(context.access, route.operation!)] : []),
      ...(clusterWide ? [authorizeEverywhere(context.access, route.operation!)] : []),
      ...(route.body ? context.parsers[route.body] : []),
      handlerOf(route, context),
    ];
    // One handler per route: express's dispatch through a route's own stack costs more than these steps.
    target[route.method](expressPath(route.path.slice(prefix.length)), inSequence(chain));
  }
}

/** The route's handler, given the input its schemas validate; what it rejects, express 5 forwards to the problem answers. */
function handlerOf(route: Route, context: RouteContext): RequestHandler {
  const handle = route.handler(context);
  return (req, res) => handle(validInput(route, req), req, res);
}

function validInput({ input, body }: Route, req: Request): InputOf<RouteInput, Route['body']> {
  return {
    params: input.params && parseInput(input.params, req.params, 'path'),
    query: input.query && parseInput(input.query, req.query, 'query'),
    // An upload's document is read by the domain's decoder in the handler (see RouteInput); a JSON body is an object here.
    body: body === 'json' ? parseInput(input.body!, req.body, 'body') : body ? bodyBytes(req) : undefined,
  } as InputOf<RouteInput, Route['body']>;
}

/** A template's `{names}` are exactly the keys of its params schema: the router and openapi.yaml name the same parameters. */
function checkPathParams({ operationId, path, input, body }: Route): void {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const keys = Object.keys(input.params?.shape ?? {});
  if (names.length !== keys.length || names.some((name) => !keys.includes(name)))
    throw new Error(`${operationId}: the params schema must name exactly {${names.join('}, {')}}`);
  if (body === 'json' && !input.body) throw new Error(`${operationId} reads a JSON body but declares no schema for it`);
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
