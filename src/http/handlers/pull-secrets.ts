import { listPullSecrets } from '../../domain/pull-secrets/list-pull-secrets.js';
import { getPullSecret } from '../../domain/pull-secrets/pull-secrets.js';
import { registriesOf } from '../../domain/docker-config/credential-schemas.js';
import { applyPullSecret, createPullSecret, deletePullSecret, mergePullSecret } from '../../domain/pull-secrets/write-use-cases.js';
import type { ApplyPullSecretBody, CreatePullSecretBody, PatchPullSecretBody } from '../../domain/pull-secrets/write-schemas.js';
import { callerOf, mayDo, requirePermission } from '../access.js';
import type { DeleteQuery, DockerConfigWriteQuery, ListQuery, NamespacePath, PatchQuery, SecretPath, WriteQuery } from '../params.js';
import type { HandlerFactory } from '../route.js';
import { credentialsFieldOf, checkedDockerConfig } from '../verification-step.js';
import { recordWriteOutcome } from '../write-audit.js';
import { contentOf, writeOptions } from '../write-input.js';

// The namespaced pull-secret operations; the route table authorises each before its body is read.
// A write handler builds its command, runs its use-case, records the outcome, then answers from it.

type ApplyInput = { params: SecretPath; query: WriteQuery; body: ApplyPullSecretBody };

export const applyPullSecretHandler: HandlerFactory<ApplyInput> =
  (context) =>
  async ({ params: { namespace, name }, query, body }, _req, res) => {
    if (body.serviceAccounts?.length) await requirePermission(context.access, res, 'link', namespace, name);
    const content = contentOf(body);
    const checked = await context.verify(query.verify, content.registries, credentialsFieldOf(body), res);
    const command = { namespace, name, ...content, ...checked, serviceAccounts: body.serviceAccounts, ...writeOptions(query) };
    const outcome = await applyPullSecret(context, command);
    recordWriteOutcome(context, res, outcome);
    if (outcome.kind === 'failed') throw outcome.error;
    res.status(outcome.view.result === 'created' ? 201 : 200).json(outcome.view);
  };

type ApplyDockerConfigInput = { params: SecretPath; query: DockerConfigWriteQuery; body: Buffer };

export const applyDockerConfigHandler: HandlerFactory<ApplyDockerConfigInput> =
  (context) =>
  async ({ params: { namespace, name }, query, body }, _req, res) => {
    if (query.serviceAccounts?.length) await requirePermission(context.access, res, 'link', namespace, name);
    const checked = await checkedDockerConfig(context.verify, body, res, query);
    const command = { namespace, name, ...checked, serviceAccounts: query.serviceAccounts, ...writeOptions(query) };
    const outcome = await applyPullSecret(context, command);
    recordWriteOutcome(context, res, outcome);
    if (outcome.kind === 'failed') throw outcome.error;
    res.status(outcome.view.result === 'created' ? 201 : 200).json(outcome.view);
  };

type CreateInput = { params: NamespacePath; query: WriteQuery; body: CreatePullSecretBody };

export const createPullSecretHandler: HandlerFactory<CreateInput> =
  (context) =>
  async ({ params: { namespace }, query, body }, _req, res) => {
    if (body.serviceAccounts?.length) await requirePermission(context.access, res, 'link', namespace, body.name);
    const content = contentOf(body);
    const checked = await context.verify(query.verify, content.registries, credentialsFieldOf(body), res);
    const command = { namespace, name: body.name, ...content, ...checked, serviceAccounts: body.serviceAccounts, ...writeOptions(query) };
    const outcome = await createPullSecret(context, command);
    recordWriteOutcome(context, res, outcome);
    if (outcome.kind === 'failed') throw outcome.error;
    res.status(201).location(`/v1/namespaces/${namespace}/pullsecrets/${outcome.view.name}`).json(outcome.view);
  };

type MergeInput = { params: SecretPath; query: PatchQuery; body: PatchPullSecretBody };

export const mergePullSecretHandler: HandlerFactory<MergeInput> =
  (context) =>
  async ({ params: { namespace, name }, query, body }, _req, res) => {
    const upsert = registriesOf({ registries: body.upsert ?? [] });
    const checked = await context.verify(query.verify, upsert, (i) => `upsert/${i}/password`, res);
    const command = { namespace, name, upsert, remove: body.remove ?? [], ...checked, dryRun: query.dryRun === 'server' };
    const outcome = await mergePullSecret(context, command);
    recordWriteOutcome(context, res, outcome);
    if (outcome.kind === 'failed') throw outcome.error;
    res.json(outcome.view);
  };

export const listPullSecretsHandler: HandlerFactory<{ params: NamespacePath; query: ListQuery }> =
  ({ cluster, access }) =>
  async ({ params: { namespace }, query: page }, _req, res) => {
    const withReferences = await mayDo(access, callerOf(res.locals), ['listServiceAccounts'], namespace);
    res.json(await listPullSecrets(cluster, namespace, { ...page, withReferences }));
  };

export const getPullSecretHandler: HandlerFactory<{ params: SecretPath }> =
  ({ cluster, access }) =>
  async ({ params: { namespace, name } }, _req, res) => {
    res.json(await getPullSecret(cluster, namespace, name, await mayDo(access, callerOf(res.locals), ['listServiceAccounts'], namespace)));
  };

export const deletePullSecretHandler: HandlerFactory<{ params: SecretPath; query: DeleteQuery }> =
  (context) => async (input, _req, res) => {
    const { namespace, name } = input.params;
    const { dryRun, unlink = false } = input.query;
    if (unlink) await requirePermission(context.access, res, 'unlink', namespace, name);
    const outcome = await deletePullSecret(context, { namespace, name, dryRun: dryRun === 'server', unlink });
    recordWriteOutcome(context, res, outcome);
    if (outcome.kind === 'failed') throw outcome.error;
    if (unlink)
      res.status(200).json({ namespace, name, deleted: true, ...(dryRun ? { dryRun: true } : {}), serviceAccountLinks: outcome.links });
    else res.status(204).end();
  };
