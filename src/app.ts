import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import type { HelmetOptions } from 'helmet';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Cluster } from './domain/cluster.js';
import type { DistributionCluster } from './domain/distributions/distribution-cluster.js';
import { deniedNamespaces } from './domain/access/denied-namespaces.js';
import type { Gatekeeper } from './domain/access/gatekeeper.js';
import { accessLog } from './http/pipeline/access-log.js';
import { createAudit } from './http/audit.js';
import { authenticate } from './http/pipeline/authenticate.js';
import { type AccessControl } from './http/access.js';
import { createBodyParsers } from './http/pipeline/body-parsers.js';
import { FailedAuthentications } from './http/pipeline/failed-authentications.js';
import { docsRouter } from './http/docs.routes.js';
import { methodNotAllowed } from './http/pipeline/method-not-allowed.js';
import { openApiYaml } from './http/openapi.js';
import { errorHandler, notFoundHandler } from './http/pipeline/problem.js';
import { inSequence } from './http/pipeline/in-sequence.js';
import { limitPerCaller, limitPerIp } from './http/pipeline/rate-limits.js';
import { requestMetrics } from './http/pipeline/request-metrics.js';
import { staticSecurityHeaders } from './http/pipeline/security-headers.js';
import type { ControllerState, RouteContext } from './http/route.js';
import { mountRoutes, operationLookup } from './http/mount-routes.js';
import { ROUTES } from './http/routes.js';
import { verificationStep } from './http/verification-step.js';
import type { RegistryVerifier } from './domain/verify/registry-verifier.js';
import type { ManifestProbe } from './domain/pullcheck/pullcheck-model.js';
import { WriteTurns } from './domain/pull-secrets/write-turns.js';
import type { Metrics } from './metrics.js';

export interface AppDependencies {
  config: Readonly<Config>;
  cluster: Cluster;
  logger: Logger;
  /** This app's metrics, served at /metrics; the cluster is expected to be instrumented with them by the caller. */
  metrics: Metrics;
  /** Authenticates and authorises callers of /v1, in the mode config.auth names. */
  gatekeeper: Gatekeeper;
  /** Checks credentials with registries (`verify`); speaks only to targets its egress guard allows. */
  verifier: RegistryVerifier;
  /** The pull check's registry probe; speaks only to targets its egress guard allows (config.verify's, shared with the verifier). */
  probe: ManifestProbe;
  /** PullSecretDistributions (their CRD installed); without them /v1/distributions answers 503. */
  distributions?: DistributionCluster;
  /** True once shutdown began: /readyz answers 503 and connections are not kept alive. */
  isDraining?: () => boolean;
  /** This replica's distribution controller (leader or standby), shown by GET /v1/status. */
  controller?: ControllerState;
  /** How writes of one object take turns, and their deadline; default: WRITE_DEADLINE_MS (tests that wait it out give a shorter one). */
  writeTurns?: WriteTurns;
}

/** Builds the HTTP application; reads no environment and never listens. */
export function createApp({
  config,
  cluster,
  distributions,
  logger,
  metrics,
  gatekeeper,
  verifier,
  probe,
  isDraining = () => false,
  controller,
  writeTurns = new WriteTurns(),
}: AppDependencies): Express {
  if (gatekeeper.mode !== config.auth)
    throw new Error(`the gatekeeper is for auth mode ${gatekeeper.mode}, the config says ${config.auth}`);
  const app = express();
  app.disable('x-powered-by');
  // Answers about secrets are never cached, so validators would only cost a hash per answer.
  app.disable('etag');
  app.set('query parser', 'simple');
  // What every request passes, as one layer of the app's router rather than one each.
  app.use(
    inSequence([
      requestMetrics(metrics),
      accessLog(logger),
      staticSecurityHeaders(SECURITY_HEADERS),
      ...(config.corsOrigins.length > 0 ? [corsFor(config.corsOrigins)] : []),
      (_req, res, next) => {
        // Answers about secrets are never cached by browsers or proxies (docs assets are small).
        res.setHeader('Cache-Control', 'no-store');
        // While draining, each connection is closed after its answer so callers reconnect elsewhere.
        if (isDraining()) res.setHeader('Connection', 'close');
        next();
      },
    ]),
  );
  const failedAuthentications = new FailedAuthentications({ limit: config.authFailuresPerMinute });
  const access: AccessControl = { gatekeeper, denyNamespaces: deniedNamespaces(config), audit: createAudit(logger), failedAuthentications };
  // A request's registry checks end within 25 s, inside the 30–60 s upstream timeouts proxies commonly use.
  const verify = verificationStep(verifier, metrics, Math.min(config.verify.timeoutMs * 4, 25_000));
  const parsers = createBodyParsers(config.bodyLimitBytes);
  const context: RouteContext = {
    cluster,
    turns: writeTurns,
    distributions,
    parsers,
    metrics,
    access,
    verify,
    probe,
    config,
    logger,
    isDraining,
    controller,
  };
  // Everything under /v1 passes the gate first; then the whole route table, mounted on the app itself.
  app.use(V1, v1Gate(context));
  mountRoutes(app, ROUTES, context);
  app.use(docsRouter(openApiYaml));
  app.use(methodNotAllowed(ROUTES));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

const V1 = '/v1';

// Everything under /v1 needs a caller (render and inspect too: they take secrets in), known paths
// or not. The per-IP limit comes first so unauthenticated floods are cut before any token is checked.
function v1Gate(context: RouteContext): RequestHandler {
  const { access, config } = context;
  const operationOf = operationLookup(
    ROUTES.filter((r) => r.path.startsWith(`${V1}/`)),
    V1,
  );
  const steps: RequestHandler[] = [];
  if (config.ipRateLimitPerMinute !== 'off') steps.push(limitPerIp(config.ipRateLimitPerMinute));
  steps.push(authenticate(access, operationOf));
  // In none mode every request is "anonymous": one shared budget would let one client starve all; the per-IP limit stands alone.
  if (access.gatekeeper.mode !== 'none' && config.rateLimitPerMinute !== 'off')
    steps.push(limitPerCaller(config.rateLimitPerMinute, access.audit, operationOf));
  return inSequence(steps);
}

/**
 * helmet's options, with a CSP Swagger UI at /docs works under (its assets are same-origin; it
 * uses inline styles and data: images). No upgrade-insecure-requests: regcred may serve plain HTTP.
 */
const SECURITY_HEADERS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'upgrade-insecure-requests': null,
    },
  },
};

/** CORS for the configured origins only (off unless REGCRED_CORS_ORIGINS is set); preflights answered here. */
function corsFor(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins.map((o) => new URL(o).origin));
  return cors({
    // Any other origin (or none) gets no CORS header at all, and its OPTIONS goes on to routing.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: 'GET, PUT, POST, PATCH, DELETE',
    allowedHeaders: 'Authorization, Content-Type, X-Request-Id',
    exposedHeaders: 'X-Request-Id, Warning, Retry-After, Location',
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
}
