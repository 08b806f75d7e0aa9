import { listPullSecrets } from '../../domain/pull-secrets/list-pull-secrets.js';
import { getPullSecret } from '../../domain/pull-secrets/pull-secrets.js';
import { registriesOf } from '../../domain/docker-config/credential-schemas.js';
import { applyAndLink, createAndLink, deleteAndUnlink, mergeRegistries } from '../../domain/pull-secrets/write-use-cases.js';
import {
  applyPullSecretBodySchema,
  createPullSecretBodySchema,
  patchPullSecretBodySchema,
} from '../../domain/pull-secrets/write-schemas.js';
import { callerOf, mayDo, requirePermission } from '../access.js';
import {
  deleteQuerySchema,
  dockerConfigWriteQuerySchema,
  listQuerySchema,
  namespacePathSchema,
  noQuerySchema,
  patchQuerySchema,
  secretPathSchema,
  writeQuerySchema,
} from '../params.js';
import type { HandlerFactory } from '../route.js';
import { parseInput } from '../validate.js';
import { credentialsFieldOf, checkedDockerConfig } from '../verification-step.js';
import { recordWriteOutcome } from '../write-audit.js';
import { contentOf, writeOptions } from '../write-input.js';

// The namespaced pull-secret operations; the route table authorises each before its body is read.
// A write handler builds its command, runs its use-case, records the outcome, then answers from it.

export const applyPullSecretHandler: HandlerFactory = (context) => async (req, res) => {
  const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
  const query = parseInput(writeQuerySchema, req.query, 'query');
  const body = parseInput(applyPullSecretBodySchema, req.body, 'body');
  if (body.serviceAccounts?.length) await requirePermission(context.access, res, 'link', namespace, name);
  const content = contentOf(body);
  const checked = await context.verify(query.verify, content.registries, credentialsFieldOf(body), res);
  const command = { namespace, name, ...content, ...checked, serviceAccounts: body.serviceAccounts, ...writeOptions(query) };
  const outcome = await applyAndLink(context.cluster, command);
  recordWriteOutcome(context, res, outcome);
  if (outcome.kind === 'failed') throw outcome.error;
  res.status(outcome.view.result === 'created' ? 201 : 200).json(outcome.view);
};

export const applyDockerConfigHandler: HandlerFactory = (context) => async (req, res) => {
  const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
  const query = parseInput(dockerConfigWriteQuerySchema, req.query, 'query');
  if (query.serviceAccounts?.length) await requirePermission(context.access, res, 'link', namespace, name);
  const checked = await checkedDockerConfig(context.verify, req, res, query);
  const command = { namespace, name, ...checked, serviceAccounts: query.serviceAccounts, ...writeOptions(query) };
  const outcome = await applyAndLink(context.cluster, command);
  recordWriteOutcome(context, res, outcome);
  if (outcome.kind === 'failed') throw outcome.error;
  res.status(outcome.view.result === 'created' ? 201 : 200).json(outcome.view);
};

export const createPullSecretHandler: HandlerFactory = (context) => async (req, res) => {
  const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
  const query = parseInput(writeQuerySchema, req.query, 'query');
  const body = parseInput(createPullSecretBodySchema, req.body, 'body');
  if (body.serviceAccounts?.length) await requirePermission(context.access, res, 'link', namespace, body.name);
  const content = contentOf(body);
  const checked = await context.verify(query.verify, content.registries, credentialsFieldOf(body), res);
  const command = { namespace, name: body.name, ...content, ...checked, serviceAccounts: body.serviceAccounts, ...writeOptions(query) };
  const outcome = await createAndLink(context.cluster, command);
  recordWriteOutcome(context, res, outcome);
  if (outcome.kind === 'failed') throw outcome.error;
  res.status(201).location(`/v1/namespaces/${namespace}/pullsecrets/${outcome.view.name}`).json(outcome.view);
};

export const mergePullSecretHandler: HandlerFactory = (context) => async (req, res) => {
  const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
  const query = parseInput(patchQuerySchema, req.query, 'query');
  const body = parseInput(patchPullSecretBodySchema, req.body, 'body');
  const upsert = registriesOf({ registries: body.upsert ?? [] });
  const checked = await context.verify(query.verify, upsert, (i) => `upsert/${i}/password`, res);
  const command = { namespace, name, upsert, remove: body.remove ?? [], ...checked, dryRun: query.dryRun === 'server' };
  const outcome = await mergeRegistries(context.cluster, command);
  recordWriteOutcome(context, res, outcome);
  if (outcome.kind === 'failed') throw outcome.error;
  res.json(outcome.view);
};

export const listPullSecretsHandler: HandlerFactory =
  ({ cluster, access }) =>
  async (req, res) => {
    const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
    const page = parseInput(listQuerySchema, req.query, 'query');
    const withReferences = await mayDo(access, callerOf(res.locals), ['listServiceAccounts'], namespace);
    res.json(await listPullSecrets(cluster, namespace, { ...page, withReferences }));
  };

export const getPullSecretHandler: HandlerFactory =
  ({ cluster, access }) =>
  async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    parseInput(noQuerySchema, req.query, 'query');
    res.json(await getPullSecret(cluster, namespace, name, await mayDo(access, callerOf(res.locals), ['listServiceAccounts'], namespace)));
  };

export const deletePullSecretHandler: HandlerFactory = (context) => async (req, res) => {
  const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
  const { dryRun, unlink = false } = parseInput(deleteQuerySchema, req.query, 'query');
  if (unlink) await requirePermission(context.access, res, 'unlink', namespace, name);
  const outcome = await deleteAndUnlink(context.cluster, { namespace, name, dryRun: dryRun === 'server', unlink });
  recordWriteOutcome(context, res, outcome);
  if (outcome.kind === 'failed') throw outcome.error;
  if (unlink)
    res.status(200).json({ namespace, name, deleted: true, ...(dryRun ? { dryRun: true } : {}), serviceAccountLinks: outcome.links });
  else res.status(204).end();
};
