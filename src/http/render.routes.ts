import { Router, type Request, type Response } from 'express';
import { stringify } from 'yaml';
import { inspectPullSecretInput } from '../domain/inspect.js';
import { parseDockerConfigFile } from '../domain/parse-docker-config.js';
import { renderPullSecret } from '../domain/render-secret.js';
import { credentialsBodySchema, registriesOf, type RegistryCredential } from '../domain/schemas.js';
import type { SecretManifest } from '../domain/view-schemas.js';
import { NotAcceptableError } from '../errors.js';
import { bodyBytes, type BodyParsers } from './body-parsers.js';
import { noQuerySchema, renderQuerySchema } from './params.js';
import { parseInput } from './validate.js';

/** Render and inspect: pure transformations of what the caller sends; the cluster is never touched. */
export function renderRouter(parsers: BodyParsers): Router {
  const router = Router();

  router.post('/render', ...parsers.json, (req, res) => {
    const body = parseInput(credentialsBodySchema, req.body, 'body');
    sendManifest(req, res, render(req, registriesOf(body), body.labels, body.annotations), []);
  });

  router.post('/render/dockerconfig', ...parsers.dockerConfig, (req, res) => {
    const { registries, warnings } = parseDockerConfigFile(bodyBytes(req));
    sendManifest(req, res, render(req, registries), warnings);
  });

  router.post('/inspect', ...parsers.inspectable, (req, res) => {
    parseInput(noQuerySchema, req.query, 'query');
    res.json(inspectPullSecretInput(bodyBytes(req), req.get('content-type')));
  });

  return router;
}

function render(
  req: Request,
  registries: RegistryCredential[],
  labels?: Record<string, string>,
  annotations?: Record<string, string>,
): SecretManifest {
  const query = parseInput(renderQuerySchema, req.query, 'query');
  return renderPullSecret({ ...query, registries, labels, annotations, appendHash: query.appendHash ?? false });
}

// The manifest goes out as-is so it can be piped to `kubectl apply -f -`; warnings travel in
// Warning headers, as the Kubernetes API sends them.
function sendManifest(req: Request, res: Response, manifest: SecretManifest, warnings: string[]): void {
  const accept = req.headers.accept;
  // Most callers send no Accept or */*: answer JSON without running content negotiation.
  const format = !accept || accept === '*/*' || accept === 'application/json' ? 'application/json' : req.accepts(['application/json', 'application/yaml']);
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
