import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Cluster } from '../domain/cluster.js';
import type { DistributionCluster } from '../domain/distributions/distribution-cluster.js';
import type { Metrics } from '../metrics.js';
import type { AccessControl } from './authenticate.js';
import type { BodyParsers } from './body-parsers.js';
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
