import express, { Router, type Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Cluster } from './domain/cluster.js';
import { accessLog } from './http/access-log.js';
import { createBodyParsers } from './http/body-parsers.js';
import { docsRouter } from './http/docs.routes.js';
import { healthRouter } from './http/health.routes.js';
import { metricsRouter } from './http/metrics.routes.js';
import { methodNotAllowed } from './http/method-not-allowed.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { errorHandler, notFoundHandler } from './http/problem.js';
import { pullSecretsRouter } from './http/pull-secrets.routes.js';
import { renderRouter } from './http/render.routes.js';
import { requestMetrics } from './http/request-metrics.js';
import type { Metrics } from './metrics.js';

export interface AppDependencies {
  config: Readonly<Config>;
  cluster: Cluster;
  logger: Logger;
  /** This app's metrics, served at /metrics; the cluster is expected to be instrumented with them by the caller. */
  metrics: Metrics;
  /** True once shutdown began: /readyz answers 503 and connections are not kept alive. */
  isDraining?: () => boolean;
}

/** Builds the HTTP application; reads no environment and never listens. */
export function createApp({ config, cluster, logger, metrics, isDraining = () => false }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers about secrets are never cached, so validators would only cost a hash per answer.
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use(requestMetrics(metrics));
  app.use(accessLog(logger));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Answers about secrets are never cached by browsers or proxies (docs assets are small).
    res.setHeader('Cache-Control', 'no-store');
    // While draining, each connection is closed after its answer so callers reconnect elsewhere.
    if (isDraining()) res.setHeader('Connection', 'close');
    next();
  });
  app.use(healthRouter(cluster, isDraining));
  app.use(metricsRouter(metrics.registry));
  app.use(docsRouter());
  app.use('/v1', v1Router(cluster, createBodyParsers(config.bodyLimitBytes), metrics));
  app.use(methodNotAllowed(buildOpenApiDocument().paths as Record<string, Record<string, unknown>>));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

function v1Router(cluster: Cluster, parsers: ReturnType<typeof createBodyParsers>, metrics: Metrics): Router {
  const v1 = Router();
  v1.use(renderRouter(parsers));
  v1.use('/namespaces', pullSecretsRouter(cluster, parsers, metrics));
  return v1;
}
