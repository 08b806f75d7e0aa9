import { Router } from 'express';
import type { Cluster } from '../domain/cluster.js';
import { matchImagesInNamespace } from '../domain/match/match-in-namespace.js';
import { matchImagesInTurns } from '../domain/match/match-images.js';
import { matchBodySchema, namespacedMatchBodySchema } from '../domain/match/match-schemas.js';
import { registriesOf } from '../domain/docker-config/credential-schemas.js';
import { authorize, requirePermission, type AccessControl } from './authenticate.js';
import type { BodyParsers } from './body-parsers.js';
import { namespacePathSchema, noQuerySchema } from './params.js';
import { parseInput } from './validate.js';

/** The kubelet match simulator: which credential the kubelet would use for each image, and why. */
export function matchRouter(cluster: Cluster, parsers: BodyParsers, access: AccessControl): Router {
  const router = Router();

  router.post('/match', ...parsers.json, async (req, res) => {
    parseInput(noQuerySchema, req.query, 'query');
    const body = parseInput(matchBodySchema, req.body, 'body');
    const sources = body.dockerconfigjson !== undefined ? { dockerConfig: body.dockerconfigjson } : { registries: registriesOf(body) };
    res.json(await matchImagesInTurns(body.images, sources));
  });

  router.post('/namespaces/:namespace/match', authorize(access, 'match'), ...parsers.json, async (req, res) => {
    const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
    parseInput(noQuerySchema, req.query, 'query');
    const body = parseInput(namespacedMatchBodySchema, req.body, 'body');
    if (body.serviceAccount !== undefined) await requirePermission(access, res, 'readServiceAccount', namespace);
    res.json(await matchImagesInNamespace(cluster, namespace, body));
  });

  return router;
}
