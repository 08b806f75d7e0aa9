import type { Request, Response } from 'express';
import { stringify } from 'yaml';
import { inspectPullSecretInput } from '../../domain/secret-manifest/inspect.js';
import { renderPullSecret } from '../../domain/secret-manifest/render-secret.js';
import { credentialsBodySchema, registriesOf, type RegistryCredential } from '../../domain/docker-config/credential-schemas.js';
import type { SecretManifest } from '../../domain/view-schemas.js';
import { NotAcceptableError } from '../../errors.js';
import { dockerConfigRenderQuerySchema, noQuerySchema, renderQuerySchema } from '../params.js';
import type { HandlerFactory } from '../route-context.js';
import { parseInput } from '../validate.js';
import { credentialsFieldOf, checkedDockerConfig, setVerificationHeader, requestSignal } from '../verification-step.js';
import { bodyBytes } from '../body-parsers.js';

// Render and inspect: pure transformations of what the caller sends; the cluster is never touched (registries are, with `verify`).

export const renderHandler: HandlerFactory =
  ({ verify }) =>
  async (req, res) => {
    const query = parseInput(renderQuerySchema, req.query, 'query');
    const body = parseInput(credentialsBodySchema, req.body, 'body');
    const registries = registriesOf(body);
    const checked = await verify(query.verify, registries, credentialsFieldOf(body), requestSignal(res));
    setVerificationHeader(res, checked.verification);
    sendManifest(req, res, render(query, registries, body.labels, body.annotations), checked.warnings);
  };

export const renderDockerConfigHandler: HandlerFactory =
  ({ verify }) =>
  async (req, res) => {
    const query = parseInput(dockerConfigRenderQuerySchema, req.query, 'query');
    const checked = await checkedDockerConfig(verify, req, res, query);
    setVerificationHeader(res, checked.verification);
    sendManifest(req, res, render(query, checked.registries), checked.warnings);
  };

export const inspectHandler: HandlerFactory = () => (req, res) => {
  parseInput(noQuerySchema, req.query, 'query');
  res.json(inspectPullSecretInput(bodyBytes(req), req.get('content-type')));
};
function render(
  query: { name: string; namespace?: string; appendHash?: boolean },
  registries: RegistryCredential[],
  labels?: Record<string, string>,
  annotations?: Record<string, string>,
): SecretManifest {
  const { name, namespace, appendHash = false } = query;
  return renderPullSecret({ name, namespace, registries, labels, annotations, appendHash });
}

// The manifest goes out as-is so it can be piped to `kubectl apply -f -`; warnings travel in
// Warning headers, as the Kubernetes API sends them.
function sendManifest(req: Request, res: Response, manifest: SecretManifest, warnings: string[]): void {
  const accept = req.headers.accept;
  // Most callers send no Accept or */*: answer JSON without running content negotiation.
  const format =
    !accept || accept === '*/*' || accept === 'application/json'
      ? 'application/json'
      : req.accepts(['application/json', 'application/yaml']);
  if (!format) throw new NotAcceptableError('this endpoint answers application/json or application/yaml');
  for (const warning of warnings) res.append('Warning', `299 - "${headerSafe(warning)}"`);
  if (format === 'application/yaml') {
    res.type('application/yaml').send(stringify(manifest));
  } else {
    res.json(manifest);
  }
}

function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]|"|\\/g, '?');
}
