import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Cluster } from '../domain/cluster.js';
import type { DistributionCluster } from '../domain/distributions/distribution-cluster.js';
import type { Metrics } from '../metrics.js';
import type { Operation } from '../domain/access/access-policy.js';
import type { AccessControl } from './access.js';
import type { BodyParsers } from './pipeline/body-parsers.js';
import type { verificationStep } from './verification-step.js';

/** What the handlers of the route table are built with, once per app. */
export interface RouteContext {
  cluster: Cluster;
  /** PullSecretDistributions; absent without their CRD (the /v1/distributions routes answer 503). */
  distributions?: DistributionCluster;
  parsers: BodyParsers;
  metrics: Metrics;
  access: AccessControl;
  verify: ReturnType<typeof verificationStep>;
  config: Readonly<Config>;
  logger: Logger;
  /** True once shutdown began: readiness answers 503. */
  isDraining: () => boolean;
  /** This replica's distribution controller, when it takes part in the leader election. */
  controller?: ControllerState;
}

export interface ControllerState {
  readonly identity: string;
  isLeader(): boolean;
}

/** Builds one route's handler from the app's dependencies. */
export type HandlerFactory = (context: RouteContext) => RequestHandler;

export type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** One endpoint: everything the routers, openapi.yaml, 405 + Allow and audit lines know of it. */
export interface Route {
  method: Method;
  /** OpenAPI template (`/v1/namespaces/{namespace}/pullsecrets/{name}`); under /v1 a caller is needed, elsewhere not. */
  path: string;
  operationId: string;
  /**
   * What the caller asks to do, as access-policy names it (its permissions, audit lines). A path with
   * `{namespace}` is authorised for it in that namespace before its body is read. None for probes and metrics.
   */
  operation?: Operation;
  /** How the body is read, after authorisation; none: the route takes no body. */
  body?: keyof BodyParsers;
  handler: HandlerFactory;
  /** The OpenAPI operation, less `operationId`; path parameters are listed by the path item from the template. */
  openapi: Record<string, unknown>;
}
