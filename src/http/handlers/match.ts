import { matchImagesInNamespace } from '../../domain/match/match-in-namespace.js';
import { matchImagesInTurns } from '../../domain/match/match-images.js';
import type { MatchBody, NamespacedMatchBody } from '../../domain/match/match-schemas.js';
import { registriesOf } from '../../domain/docker-config/credential-schemas.js';
import { requirePermission } from '../access.js';
import type { NamespacePath } from '../params.js';
import type { HandlerFactory } from '../route.js';

// The kubelet match simulator: which credential the kubelet would use for each image, and why.

export const matchHandler: HandlerFactory<{ body: MatchBody }> =
  () =>
  async ({ body }, _req, res) => {
    const sources = body.dockerconfigjson !== undefined ? { dockerConfig: body.dockerconfigjson } : { registries: registriesOf(body) };
    res.json(await matchImagesInTurns(body.images, sources));
  };

export const matchInNamespaceHandler: HandlerFactory<{ params: NamespacePath; body: NamespacedMatchBody }> =
  ({ cluster, access }) =>
  async ({ params: { namespace }, body }, _req, res) => {
    if (body.serviceAccount !== undefined) await requirePermission(access, res, 'readServiceAccount', namespace);
    res.json(await matchImagesInNamespace(cluster, namespace, body));
  };
