import { Router, type Request } from 'express';
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
import { createPullSecretBodySchema, credentialsBodySchema, registriesOf } from '../domain/schemas.js';
import type { PullSecretView } from '../domain/view-schemas.js';
import type { Metrics } from '../metrics.js';
import type { BodyParsers } from './body-parsers.js';
import { deleteQuerySchema, namespacePathSchema, noQuerySchema, secretPathSchema, writeQuerySchema } from './params.js';
import { parseInput } from './validate.js';

// Mounted under /v1/namespaces.
const BASE = '/:namespace/pullsecrets';

export function pullSecretsRouter(cluster: Cluster, parsers: BodyParsers, metrics: Pick<Metrics, 'pullSecretsWritten'>): Router {
  const router = Router();
  const counted = countWrites(cluster, metrics);

  router.put(`${BASE}/:name`, ...parsers.json, async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const query = parseInput(writeQuerySchema, req.query, 'query');
    const body = parseInput(credentialsBodySchema, req.body, 'body');
    const view = await counted(applyPullSecret, {
      namespace,
      name,
      registries: registriesOf(body),
      labels: body.labels,
      annotations: body.annotations,
      ...writeOptions(query),
    });
    res.status(view.result === 'created' ? 201 : 200).json(view);
  });

  router.put(`${BASE}/:name/dockerconfig`, ...parsers.dockerConfig, async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const query = parseInput(writeQuerySchema, req.query, 'query');
    const { registries, warnings } = parseDockerConfigFile(bodyBytes(req));
    const view = await counted(applyPullSecret, { namespace, name, registries, warnings, ...writeOptions(query) });
    res.status(view.result === 'created' ? 201 : 200).json(view);
  });

  router.post(BASE, ...parsers.json, async (req, res) => {
    const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
    const query = parseInput(writeQuerySchema, req.query, 'query');
    const body = parseInput(createPullSecretBodySchema, req.body, 'body');
    const view = await counted(createPullSecret, {
      namespace,
      name: body.name,
      registries: registriesOf(body),
      labels: body.labels,
      annotations: body.annotations,
      ...writeOptions(query),
    });
    res.status(201).location(`/v1/namespaces/${namespace}/pullsecrets/${view.name}`).json(view);
  });

  router.get(BASE, async (req, res) => {
    const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
    parseInput(noQuerySchema, req.query, 'query');
    res.json(await listPullSecrets(cluster, namespace));
  });

  router.get(`${BASE}/:name`, async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    parseInput(noQuerySchema, req.query, 'query');
    res.json(await getPullSecret(cluster, namespace, name));
  });

  router.delete(`${BASE}/:name`, async (req, res) => {
    const { namespace, name } = parseInput(secretPathSchema, req.params, 'path');
    const { dryRun } = parseInput(deleteQuerySchema, req.query, 'query');
    await deletePullSecret(cluster, namespace, name, dryRun === 'server');
    res.status(204).end();
  });

  return router;
}

/** Runs a write use-case and counts its result (created, updated, unchanged or failed); dry runs are not counted. */
function countWrites(cluster: Cluster, { pullSecretsWritten }: Pick<Metrics, 'pullSecretsWritten'>) {
  return async (write: typeof applyPullSecret, request: PullSecretWrite): Promise<PullSecretView> => {
    try {
      const view = await write(cluster, request);
      if (!request.dryRun) pullSecretsWritten.inc({ result: view.result });
      return view;
    } catch (error) {
      if (!request.dryRun) pullSecretsWritten.inc({ result: 'failed' });
      throw error;
    }
  };
}

function writeOptions(query: { dryRun?: 'server'; appendHash?: boolean }): Pick<PullSecretWrite, 'dryRun' | 'appendHash'> {
  return { dryRun: query.dryRun === 'server', appendHash: query.appendHash ?? false };
}

/** The body bytes the dockerconfig parsers left behind; an empty body is an empty Buffer. */
export function bodyBytes(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}
