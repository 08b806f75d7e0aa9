import type { Cluster } from '../../domain/cluster.js';
import { deletePullSecret } from '../../domain/pull-secrets/delete-pull-secret.js';
import { listPullSecrets } from '../../domain/pull-secrets/list-pull-secrets.js';
import { patchPullSecret } from '../../domain/pull-secrets/patch-pull-secret.js';
import { applyPullSecret, createPullSecret, getPullSecret, type PullSecretWrite } from '../../domain/pull-secrets/pull-secrets.js';
import { registriesOf } from '../../domain/docker-config/credential-schemas.js';
import { thenLink } from '../../domain/pull-secrets/write-and-link.js';
import {
  applyPullSecretBodySchema,
  createPullSecretBodySchema,
  patchPullSecretBodySchema,
} from '../../domain/pull-secrets/write-schemas.js';
import { callerOf, mayDo, requirePermission } from '../authenticate.js';
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
import type { HandlerFactory } from '../route-context.js';
import { parseInput } from '../validate.js';
import { credentialsFieldOf, checkedDockerConfig, requestSignal } from '../verification-step.js';
import { countWrites, reasonOf } from '../write-audit.js';
import { contentOf, writeOptions } from '../write-input.js';

// The namespaced pull-secret operations; the route table authorises each before its body is read.

export const applyPullSecretHandler: HandlerFactory = ({ cluster, metrics, access, verify }) => {
  const counted = countWrites(cluster, metrics, access.audit);
  return async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const query = parseInput(writeQuerySchema, req.query, 'query');
    const body = parseInput(applyPullSecretBodySchema, req.body, 'body');
    if (body.serviceAccounts?.length) await requirePermission(access, res, 'link', namespace, name);
    const content = contentOf(body);
    const checked = await verify(query.verify, content.registries, credentialsFieldOf(body), requestSignal(res));
    const write = thenLink(applyPullSecret, body.serviceAccounts);
    const view = await counted(res, 'apply', write, { namespace, name, ...content, ...checked, ...writeOptions(query) });
    res.status(view.result === 'created' ? 201 : 200).json(view);
  };
};

export const applyDockerConfigHandler: HandlerFactory = ({ cluster, metrics, access, verify }) => {
  const counted = countWrites(cluster, metrics, access.audit);
  return async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const query = parseInput(dockerConfigWriteQuerySchema, req.query, 'query');
    if (query.serviceAccounts?.length) await requirePermission(access, res, 'link', namespace, name);
    const checked = await checkedDockerConfig(verify, req, res, query);
    const write = thenLink(applyPullSecret, query.serviceAccounts);
    const view = await counted(res, 'apply', write, { namespace, name, ...checked, ...writeOptions(query) });
    res.status(view.result === 'created' ? 201 : 200).json(view);
  };
};

export const createPullSecretHandler: HandlerFactory = ({ cluster, metrics, access, verify }) => {
  const counted = countWrites(cluster, metrics, access.audit);
  return async (req, res) => {
    const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
    const query = parseInput(writeQuerySchema, req.query, 'query');
    const body = parseInput(createPullSecretBodySchema, req.body, 'body');
    if (body.serviceAccounts?.length) await requirePermission(access, res, 'link', namespace, body.name);
    const content = contentOf(body);
    const checked = await verify(query.verify, content.registries, credentialsFieldOf(body), requestSignal(res));
    const write = thenLink(createPullSecret, body.serviceAccounts);
    const view = await counted(res, 'create', write, { namespace, name: body.name, ...content, ...checked, ...writeOptions(query) });
    res.status(201).location(`/v1/namespaces/${namespace}/pullsecrets/${view.name}`).json(view);
  };
};

export const mergePullSecretHandler: HandlerFactory = ({ cluster, metrics, access, verify }) => {
  const counted = countWrites(cluster, metrics, access.audit);
  return async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const query = parseInput(patchQuerySchema, req.query, 'query');
    const body = parseInput(patchPullSecretBodySchema, req.body, 'body');
    const upsert = registriesOf({ registries: body.upsert ?? [] });
    const checked = await verify(query.verify, upsert, (i) => `upsert/${i}/password`, requestSignal(res));
    const remove = body.remove ?? [];
    const merge = (c: Cluster, w: PullSecretWrite) => patchPullSecret(c, { ...w, upsert: w.registries, remove });
    const view = await counted(res, 'merge', merge, { namespace, name, registries: upsert, ...checked, dryRun: query.dryRun === 'server' });
    res.json(view);
  };
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

export const deletePullSecretHandler: HandlerFactory =
  ({ cluster, access }) =>
  async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const { dryRun, unlink } = parseInput(deleteQuerySchema, req.query, 'query');
    if (unlink) await requirePermission(access, res, 'unlink', namespace, name);
    const audited = { operation: 'delete', namespace, name, ...(dryRun ? { dryRun: true } : {}) } as const;
    let links;
    try {
      links = await deletePullSecret(cluster, namespace, name, { dryRun: dryRun === 'server', unlink });
    } catch (error) {
      access.audit(res, { ...audited, result: 'failed', reason: reasonOf(error) });
      throw error;
    }
    const unlinked = links.map((l) => l.serviceAccount);
    access.audit(res, { ...audited, result: 'deleted', ...(unlinked.length ? { serviceAccounts: unlinked } : {}) });
    if (unlink) res.status(200).json({ namespace, name, deleted: true, ...(dryRun ? { dryRun: true } : {}), serviceAccountLinks: links });
    else res.status(204).end();
  };
