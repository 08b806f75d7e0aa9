import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Cluster } from '../domain/cluster.js';
import type { DistributionCluster } from '../domain/distributions/distribution-cluster.js';
import type { WriteTurns } from '../domain/pull-secrets/write-turns.js';
import type { Metrics } from '../metrics.js';
import type { Operation } from '../domain/access/access-policy.js';
import type { ManifestProbe } from '../domain/pullcheck/pullcheck-model.js';
import type { AccessControl } from './access.js';
import type { BodyParsers } from './pipeline/body-parsers.js';
import type { verificationStep } from './verification-step.js';

/** What the handlers of the route table are built with, once per app. */
export interface RouteContext {
  cluster: Cluster;
  /** This app's writers take turns on each object they write (see WriteTurns). */
  turns: WriteTurns;
  /** PullSecretDistributions; absent without their CRD (the /v1/distributions routes answer 503). */
  distributions?: DistributionCluster;
  parsers: BodyParsers;
  metrics: Metrics;
  access: AccessControl;
  verify: ReturnType<typeof verificationStep>;
  /** The pull check's registry probe (the first step of a pull, no layer fetched). */
  probe: ManifestProbe;
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

/**
 * What an operation takes from its request, declared by its route: the path parameters and the query
 * (strict objects, strings in), and the body as its parser leaves it. For a `json` body, the object's
 * schema (validated before the handler). For an upload (`dockerConfig`, `inspectable`), the schema of the
 * document the upload holds, after parsing (config.json, a Secret manifest): it is the contract's, the
 * handler gets the bytes and the domain's decoder reads them (Go's semantics, its own errors) once the
 * handler's own checks are done.
 */
export interface RouteInput {
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler is given: its route's input, validated (an upload's body: its bytes). */
export interface InputOf<I extends RouteInput, B extends BodyKind | undefined> {
  params: Output<I['params']>;
  query: Output<I['query']>;
  body: B extends 'json' ? Output<I['body']> : B extends BodyKind ? Buffer : undefined;
}

export type BodyKind = keyof BodyParsers;

/** Handles one request whose input the route table has validated; express 5 forwards what it rejects. */
export type Handler<In> = (input: In, req: Request, res: Response) => void | Promise<void>;

/** Builds one route's handler from the app's dependencies; `In` is the input it needs (its route's schemas must give it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table holds handlers of every input; route() checks each.
export type HandlerFactory<In = any> = (context: RouteContext) => Handler<In>;

export type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** One endpoint: everything the routers, openapi.yaml, 405 + Allow and audit lines know of it. */
export interface Route<I extends RouteInput = RouteInput, B extends BodyKind | undefined = BodyKind | undefined> {
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
  body?: B;
  /** The input's schemas: validated once, after authorisation and the body parser; openapi.yaml's parameters and request body. */
  input: I;
  handler: HandlerFactory<NoInfer<InputOf<I, B>>>;
  /** The OpenAPI operation, less `operationId`, `parameters` and `requestBody` (those come from `input`). */
  openapi: Record<string, unknown>;
}

/** A route of the table: its handler's input must be what its schemas give (checked here, by the compiler). */
export function route<I extends RouteInput, B extends BodyKind | undefined = undefined>(entry: Route<I, B>): Route {
  return entry as unknown as Route;
}
