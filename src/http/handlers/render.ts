import { inspectPullSecretInput } from '../../domain/secret-manifest/inspect.js';
import { renderPullSecret } from '../../domain/secret-manifest/render-secret.js';
import { registriesOf, type CredentialsBody } from '../../domain/docker-config/credential-schemas.js';
import { manifestFormat, sendManifest } from '../manifest-answer.js';
import type { DockerConfigRenderQuery, RenderQuery } from '../params.js';
import type { HandlerFactory } from '../route.js';
import { credentialsFieldOf, checkedDockerConfig, setVerificationHeader } from '../verification-step.js';

// Render and inspect: pure transformations of what the caller sends; the cluster is never touched (registries are, with `verify`).

export const renderHandler: HandlerFactory<{ query: RenderQuery; body: CredentialsBody }> =
  ({ verify }) =>
  async ({ query: { name, namespace, appendHash, verify: mode }, body }, req, res) => {
    const format = manifestFormat(req);
    const registries = registriesOf(body);
    const checked = await verify(mode, registries, credentialsFieldOf(body), res);
    setVerificationHeader(res, checked.verification);
    const manifest = renderPullSecret({ name, namespace, registries, labels: body.labels, annotations: body.annotations, appendHash });
    sendManifest(res, format, manifest, checked.warnings);
  };

export const renderDockerConfigHandler: HandlerFactory<{ query: DockerConfigRenderQuery; body: Buffer }> =
  ({ verify }) =>
  async ({ query, body }, req, res) => {
    const format = manifestFormat(req);
    const { registries, verification, warnings } = await checkedDockerConfig(verify, body, res, query);
    setVerificationHeader(res, verification);
    sendManifest(
      res,
      format,
      renderPullSecret({ name: query.name, namespace: query.namespace, registries, appendHash: query.appendHash }),
      warnings,
    );
  };

export const inspectHandler: HandlerFactory<{ body: Buffer }> =
  () =>
  ({ body }, req, res) => {
    res.json(inspectPullSecretInput(body, req.get('content-type')));
  };
