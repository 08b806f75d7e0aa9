import { inspectPullSecretInput } from '../../domain/secret-manifest/inspect.js';
import { renderPullSecret } from '../../domain/secret-manifest/render-secret.js';
import { credentialsBodySchema, registriesOf } from '../../domain/docker-config/credential-schemas.js';
import { bodyBytes } from '../pipeline/body-parsers.js';
import { manifestFormat, sendManifest } from '../manifest-answer.js';
import { dockerConfigRenderQuerySchema, noQuerySchema, renderQuerySchema } from '../params.js';
import type { HandlerFactory } from '../route.js';
import { parseInput } from '../validate.js';
import { credentialsFieldOf, checkedDockerConfig, setVerificationHeader } from '../verification-step.js';

// Render and inspect: pure transformations of what the caller sends; the cluster is never touched (registries are, with `verify`).

export const renderHandler: HandlerFactory =
  ({ verify }) =>
  async (req, res) => {
    const { name, namespace, appendHash, verify: mode } = parseInput(renderQuerySchema, req.query, 'query');
    const body = parseInput(credentialsBodySchema, req.body, 'body');
    const format = manifestFormat(req);
    const registries = registriesOf(body);
    const checked = await verify(mode, registries, credentialsFieldOf(body), res);
    setVerificationHeader(res, checked.verification);
    const manifest = renderPullSecret({ name, namespace, registries, labels: body.labels, annotations: body.annotations, appendHash });
    sendManifest(res, format, manifest, checked.warnings);
  };

export const renderDockerConfigHandler: HandlerFactory =
  ({ verify }) =>
  async (req, res) => {
    const query = parseInput(dockerConfigRenderQuerySchema, req.query, 'query');
    const format = manifestFormat(req);
    const { registries, verification, warnings } = await checkedDockerConfig(verify, req, res, query);
    setVerificationHeader(res, verification);
    sendManifest(
      res,
      format,
      renderPullSecret({ name: query.name, namespace: query.namespace, registries, appendHash: query.appendHash }),
      warnings,
    );
  };

export const inspectHandler: HandlerFactory = () => (req, res) => {
  parseInput(noQuerySchema, req.query, 'query');
  res.json(inspectPullSecretInput(bodyBytes(req), req.get('content-type')));
};
