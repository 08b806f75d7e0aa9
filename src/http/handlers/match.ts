import { matchImagesInNamespace } from '../../domain/match/match-in-namespace.js';
import { matchImagesInTurns } from '../../domain/match/match-images.js';
import { matchBodySchema, namespacedMatchBodySchema } from '../../domain/match/match-schemas.js';
import { registriesOf } from '../../domain/docker-config/credential-schemas.js';
import { requirePermission } from '../access.js';
import { namespacePathSchema, noQuerySchema } from '../params.js';
import type { HandlerFactory } from '../route.js';
import { parseInput } from '../validate.js';

// The kubelet match simulator: which credential the kubelet would use for each image, and why.

export const matchHandler: HandlerFactory = () => async (req, res) => {
  parseInput(noQuerySchema, req.query, 'query');
  const body = parseInput(matchBodySchema, req.body, 'body');
  const sources = body.dockerconfigjson !== undefined ? { dockerConfig: body.dockerconfigjson } : { registries: registriesOf(body) };
  res.json(await matchImagesInTurns(body.images, sources));
};

export const matchInNamespaceHandler: HandlerFactory =
  ({ cluster, access }) =>
  async (req, res) => {
    const { namespace } = parseInput(namespacePathSchema, req.params, 'path');
    parseInput(noQuerySchema, req.query, 'query');
    const body = parseInput(namespacedMatchBodySchema, req.body, 'body');
    if (body.serviceAccount !== undefined) await requirePermission(access, res, 'readServiceAccount', namespace);
    res.json(await matchImagesInNamespace(cluster, namespace, body));
  };
