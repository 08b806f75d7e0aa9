import type { Response } from 'express';
import { grantsNamespace, type Operation } from '../../domain/access/access-policy.js';
import type { NamespaceAccess } from '../../domain/access/authorize-namespaces.js';
import { fanOutPullSecret, type FanOutPullSecret } from '../../domain/pull-secrets/fan-out-pull-secret.js';
import type { FanOutBody } from '../../domain/pull-secrets/write-schemas.js';
import { callerOf, mayDo, mayDoEverywhere } from '../access.js';
import type { HandlerFactory, RouteContext } from '../route.js';
import type { FanOutDockerConfigQuery, FanOutPath, WriteQuery } from '../params.js';
import { recordWriteOutcome } from '../write-audit.js';
import { contentOf, writeOptions } from '../write-input.js';
import { credentialsFieldOf, checkedDockerConfig } from '../verification-step.js';

/**
 * One pull secret to many namespaces: `PUT /v1/pullsecrets/{name}` (credentials) and
 * `…/dockerconfig` (a config.json), each namespace authorised on its own; 200 when all succeeded, 207 otherwise.
 */
export const applyToNamespacesHandler: HandlerFactory<{ params: FanOutPath; query: WriteQuery; body: FanOutBody }> =
  (context) => async (input, _req, res) => {
    const { name } = input.params;
    const query = input.query;
    const { namespaces, namespaceSelector, serviceAccounts, ...body } = input.body;
    const content = contentOf(body);
    const checked = await context.verify(query.verify, content.registries, credentialsFieldOf(body), res);
    const targets = { namespaces, namespaceSelector };
    await fanOut(context, res, { name, ...content, ...checked, serviceAccounts, ...writeOptions(query), targets });
  };

export const applyDockerConfigToNamespacesHandler: HandlerFactory<{ params: FanOutPath; query: FanOutDockerConfigQuery; body: Buffer }> =
  (context) => async (input, _req, res) => {
    const { name } = input.params;
    const { namespaces, namespaceSelector, serviceAccounts, ...query } = input.query;
    const checked = await checkedDockerConfig(context.verify, input.body, res, query);
    const targets = { namespaces, namespaceSelector };
    await fanOut(context, res, { name, ...checked, serviceAccounts, ...writeOptions(query), targets });
  };

async function fanOut(context: RouteContext, res: Response, command: FanOutPullSecret): Promise<void> {
  const { cluster, turns, config, logger } = context;
  const onUnexpected = (error: unknown) =>
    logger.error({ error: { type: (error as Error)?.constructor?.name } }, 'unexpected error in a fan-out namespace');
  const ports = { cluster, turns, accessFor: namespaceAccessOf(context, res), concurrency: config.fanOutConcurrency, onUnexpected };
  const outcome = await fanOutPullSecret(ports, command);
  recordWriteOutcome(context, res, outcome);
  if (outcome.kind === 'refused') throw outcome.error;
  res.status(outcome.allSucceeded ? 200 : 207).json(outcome.answer);
}

/** This request's caller, as the domain asks about it: the deny list, one review for every namespace, one per namespace. */
function namespaceAccessOf({ access }: RouteContext, res: Response) {
  const caller = callerOf(res.locals);
  return (operations: readonly Operation[]): NamespaceAccess => ({
    denied: (namespace) => grantsNamespace(access.denyNamespaces, namespace),
    allowedEverywhere: () => mayDoEverywhere(access, caller, operations),
    allowed: (namespace) => mayDo(access, caller, operations, namespace),
  });
}
