import { Router, type Response } from 'express';
import type { Cluster } from '../domain/cluster.js';
import { parseDockerConfigFile } from '../domain/parse-docker-config.js';
import {
  applyPullSecret,
  createPullSecret,
  deletePullSecret,
  getPullSecret,
  listPullSecrets,
  type PullSecretWrite,
} from '../domain/pull-secrets.js';
import {
  createPullSecretBodySchema,
  credentialsBodySchema,
  registriesOf,
  type CredentialsBody,
  type RegistryCredential,
} from '../domain/schemas.js';
import type { PullSecretView } from '../domain/view-schemas.js';
import type { Metrics } from '../metrics.js';
import { WRITE_OPERATIONS, type Operation } from '../domain/access-policy.js';
import { AppError } from '../errors.js';
import type { Audit } from './audit.js';
import { authorize, type AccessControl } from './authenticate.js';
import { bodyBytes, type BodyParsers } from './body-parsers.js';
import {
  deleteQuerySchema,
  dockerConfigWriteQuerySchema,
  namespacePathSchema,
  noQuerySchema,
  secretPathSchema,
  writeQuerySchema,
} from './params.js';
import { parseInput } from './validate.js';
import { credentialsFieldOf, dockerConfigFieldOf, type verificationStep } from './verification.js';

type Verify = ReturnType<typeof verificationStep>;

// Mounted under /v1/namespaces.
const BASE = '/:namespace/pullsecrets';

export function pullSecretsRouter(
  cluster: Cluster,
  parsers: BodyParsers,
  metrics: Pick<Metrics, 'pullSecretsWritten'>,
  access: AccessControl,
  verify: Verify,
): Router {
  const router = Router();
  const counted = countWrites(cluster, metrics, access.audit);
  // Authorisation runs before the body is parsed: a refused caller learns nothing from validation.
  const may = (operation: Operation) => authorize(access, operation);

  router.put(`${BASE}/:name`, may('apply'), ...parsers.json, async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const query = parseInput(writeQuerySchema, req.query, 'query');
    const body = parseInput(credentialsBodySchema, req.body, 'body');
    const content = contentOf(body);
    const checked = await verify(query.verify, content.registries, credentialsFieldOf(body));
    const view = await counted(res, 'apply', applyPullSecret, { namespace, name, ...content, ...checked, ...writeOptions(query) });
    res.status(view.result === 'created' ? 201 : 200).json(view);
  });

  router.put(`${BASE}/:name/dockerconfig`, may('apply'), ...parsers.dockerConfig, async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const query = parseInput(dockerConfigWriteQuerySchema, req.query, 'query');
    const parsed = parseDockerConfigFile(bodyBytes(req));
    const registries = withRepository(parsed.registries, query.repository);
    const checked = await verify(query.verify, registries, dockerConfigFieldOf(registries));
    const warnings = [...parsed.warnings, ...checked.warnings];
    const view = await counted(res, 'apply', applyPullSecret, { namespace, name, registries, ...checked, warnings, ...writeOptions(query) });
    res.status(view.result === 'created' ? 201 : 200).json(view);
  });

  router.post(BASE, may('create'), ...parsers.json, async (req, res) => {
    const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
    const query = parseInput(writeQuerySchema, req.query, 'query');
    const body = parseInput(createPullSecretBodySchema, req.body, 'body');
    const content = contentOf(body);
    const checked = await verify(query.verify, content.registries, credentialsFieldOf(body));
    const view = await counted(res, 'create', createPullSecret, { namespace, name: body.name, ...content, ...checked, ...writeOptions(query) });
    res.status(201).location(`/v1/namespaces/${namespace}/pullsecrets/${view.name}`).json(view);
  });

  router.get(BASE, may('list'), async (req, res) => {
    const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
    parseInput(noQuerySchema, req.query, 'query');
    res.json(await listPullSecrets(cluster, namespace));
  });

  router.get(`${BASE}/:name`, may('get'), async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    parseInput(noQuerySchema, req.query, 'query');
    res.json(await getPullSecret(cluster, namespace, name));
  });

  router.delete(`${BASE}/:name`, may('delete'), async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const { dryRun } = parseInput(deleteQuerySchema, req.query, 'query');
    const audited = { operation: 'delete', namespace, name, ...(dryRun ? { dryRun: true } : {}) } as const;
    try {
      await deletePullSecret(cluster, namespace, name, dryRun === 'server');
    } catch (error) {
      access.audit(res, { ...audited, result: 'failed', reason: reasonOf(error) });
      throw error;
    }
    access.audit(res, { ...audited, result: 'deleted' });
    res.status(204).end();
  });

  return router;
}

/**
 * Runs a write use-case, counts its result (created, updated, unchanged or failed; dry runs are not
 * counted) and writes its audit line (dry runs included, marked).
 */
function countWrites(cluster: Cluster, { pullSecretsWritten }: Pick<Metrics, 'pullSecretsWritten'>, audit: Audit) {
  return async (res: Response, operation: Operation, write: typeof applyPullSecret, request: PullSecretWrite): Promise<PullSecretView> => {
    if (!WRITE_OPERATIONS.has(operation)) throw new Error(`${operation} is not a write`);
    const audited = {
      operation,
      namespace: request.namespace,
      name: request.name,
      servers: request.registries.map((r) => r.server),
      ...(request.dryRun ? { dryRun: true } : {}),
    };
    try {
      const view = await write(cluster, request);
      if (!request.dryRun) pullSecretsWritten.inc({ result: view.result });
      audit(res, { ...audited, name: view.name, result: view.result ?? 'updated' });
      return view;
    } catch (error) {
      if (!request.dryRun) pullSecretsWritten.inc({ result: 'failed' });
      audit(res, { ...audited, result: 'failed', reason: reasonOf(error) });
      throw error;
    }
  };
}

/** A failure's kind for the audit line (its title, or "error"); never its message, which may quote input. */
function reasonOf(error: unknown): string {
  return error instanceof AppError ? `${error.status} ${error.title}` : 'error';
}

function writeOptions(query: { dryRun?: 'server'; appendHash?: boolean }): Pick<PullSecretWrite, 'dryRun' | 'appendHash'> {
  return { dryRun: query.dryRun === 'server', appendHash: query.appendHash ?? false };
}

/** A config.json's registries, each with the repository named in the query (for verification only). */
export function withRepository(registries: RegistryCredential[], repository: string | undefined): RegistryCredential[] {
  return repository ? registries.map((r) => ({ ...r, repository })) : registries;
}

/** What a credentials body asks to write (the registries, labels and annotations). */
function contentOf(body: CredentialsBody): Pick<PullSecretWrite, 'registries' | 'labels' | 'annotations'> {
  return { registries: registriesOf(body), labels: body.labels, annotations: body.annotations };
}
