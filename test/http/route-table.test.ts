import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REQUIRED_PERMISSIONS } from '../../src/domain/access/access-policy.js';
import { operationLookup, routerOf } from '../../src/http/mount-routes.js';
import type { Route, RouteContext } from '../../src/http/route.js';
import { ROUTES } from '../../src/http/routes.js';
import { createApp } from '../../src/app.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { defaultConfig } from '../../src/config.js';
import { openGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { verifierFromConfig } from '../../src/registry/verifier-from-config.js';
import { openApiDocument } from '../support/openapi-document.js';

// What the app serves outside the route table, on purpose: the contract itself and Swagger UI.
const OUTSIDE_THE_CONTRACT = new Set(['GET /openapi.yaml']);
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
  slash?: boolean;
}

/** Every `METHOD /path` the app's routers really answer, walked from express's own stack, in OpenAPI's `{param}` form. */
function servedRoutes(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = (prefix + layer.route.path).replace(/:([A-Za-z]+)/g, '{$1}');
      return Object.keys(layer.route.methods)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`);
    }
    if (!layer.handle.stack) return [];
    return servedRoutes(layer.handle.stack, prefix + (layer.slash ? '' : String(layer.rawPath)));
  });
}

function documentedRoutes(): string[] {
  const contract = openApiDocument<{ paths: Record<string, object> }>();
  return Object.entries(contract.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('the route table', () => {
  it('when the app is built, then the routes it serves are exactly the operations in the committed openapi.yaml', () => {
    const config = defaultConfig({ auth: 'none' });
    const app = createApp({
      config,
      cluster: new MemoryCluster({ namespaces: ['default'] }),
      logger: createLogger('silent'),
      metrics: createMetrics({ processMetrics: false }),
      gatekeeper: openGatekeeper(),
      verifier: verifierFromConfig(config.verify),
      probe: { probe: async () => ({ outcome: 'unreachable', detail: 'no registry is called here' }) },
    });
    const served = servedRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack).filter(
      (r) => !OUTSIDE_THE_CONTRACT.has(r),
    );
    expect(served.length).toBe(ROUTES.length);
    expect(new Set(served)).toEqual(new Set(documentedRoutes()));
  });

  it('then every operation is listed once, with an operationId of its own', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map((r) => r.operationId)).size).toBe(ROUTES.length);
  });

  it('then every /v1 route names an access operation that REQUIRED_PERMISSIONS defines, and every namespaced one needs a permission', () => {
    for (const route of ROUTES.filter((r) => r.path.startsWith('/v1/'))) {
      expect(route.operation, route.operationId).toBeDefined();
      expect(Object.hasOwn(REQUIRED_PERMISSIONS, route.operation!), route.operationId).toBe(true);
      if (route.path.includes('{namespace}')) expect(REQUIRED_PERMISSIONS[route.operation!].length, route.operationId).toBeGreaterThan(0);
    }
  });

  it('when a /v1 path is looked up before routing, then its template in the table names the operation, and anything else is unknown', () => {
    const operationOf = operationLookup(
      ROUTES.filter((r) => r.path.startsWith('/v1/')),
      '/v1',
    );
    expect(operationOf('GET', '/namespaces/team-a/pullsecrets')).toBe('list');
    expect(operationOf('POST', '/namespaces/team-a/pullsecrets/')).toBe('create');
    expect(operationOf('PATCH', '/namespaces/team-a/pullsecrets/x')).toBe('merge');
    expect(operationOf('PUT', '/namespaces/team-a/pullsecrets/x/dockerconfig')).toBe('apply');
    expect(operationOf('PUT', '/pullsecrets/x')).toBe('apply');
    expect(operationOf('POST', '/namespaces/team-a/match')).toBe('match');
    expect(operationOf('POST', '/render/dockerconfig')).toBe('render');
    expect(operationOf('GET', '/status')).toBe('status');
    expect(operationOf('GET', '/namespaces/team-a/pullsecrets/x/extra')).toBe('unknown');
    expect(operationOf('DELETE', '/render')).toBe('unknown');
  });

  it('when a parameter and a static segment could both match, then the static route answers, whatever the order of the table', async () => {
    const answer =
      (text: string): Route['handler'] =>
      () =>
      (_input, _req, res) => {
        res.send(text);
      };
    const byName = { params: z.strictObject({ name: z.string() }) };
    const routes: Route[] = [
      {
        method: 'get',
        path: '/v1/things/{name}',
        operationId: 'byName',
        operation: 'get',
        input: byName,
        handler: answer('param'),
        openapi: {},
      },
      {
        method: 'get',
        path: '/v1/things/latest',
        operationId: 'latest',
        operation: 'get',
        input: {},
        handler: answer('static'),
        openapi: {},
      },
    ];
    const app = express().use('/v1', routerOf(routes, {} as RouteContext, '/v1'));
    expect((await request(app).get('/v1/things/latest')).text).toBe('static');
    expect((await request(app).get('/v1/things/other')).text).toBe('param');
  });

  it('when a route validates its input, then its handler gets what the schemas give; a params schema that misnames the template is refused at mount', async () => {
    const route: Route = {
      method: 'get',
      path: '/v1/things/{name}',
      operationId: 'byName',
      operation: 'get',
      input: { params: z.strictObject({ name: z.string().max(3) }), query: z.strictObject({ n: z.string().transform(Number).optional() }) },
      handler: () => (input, _req, res) => {
        res.json(input);
      },
      openapi: {},
    };
    const app = express().use('/v1', routerOf([route], {} as RouteContext, '/v1'));
    expect((await request(app).get('/v1/things/abc?n=2')).body).toEqual({ params: { name: 'abc' }, query: { n: 2 } });
    const misnamed = { ...route, input: { params: z.strictObject({ other: z.string() }) } };
    expect(() => routerOf([misnamed], {} as RouteContext, '/v1')).toThrow(/byName: the params schema must name exactly \{name\}/);
  });
});
