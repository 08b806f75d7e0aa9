import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { readOnly } from './pipeline/method-not-allowed.js';
import { renderOpenApiYaml } from './openapi.js';
import { routeLabel } from './pipeline/request-metrics.js';

/** The contract at /openapi.yaml and Swagger UI on it at /docs. */
export function docsRouter(document: Record<string, unknown>): Router {
  const router = Router();
  const yaml = yamlOf(document);
  router.use(['/openapi.yaml', '/docs'], readOnly);
  router.get('/openapi.yaml', routeLabel('/openapi.yaml'), (_req, res) => {
    res.type('application/yaml').send(yaml);
  });
  router.use(
    '/docs',
    swaggerUi.serveFiles(undefined, { swaggerUrl: '/openapi.yaml' }),
    swaggerUi.setup(undefined, {
      swaggerUrl: '/openapi.yaml',
      customSiteTitle: 'regcred API',
    }),
  );
  return router;
}

const rendered = new WeakMap<Record<string, unknown>, string>();

/** Rendered once per document: every app of a process (tests build hundreds) serves the same text. */
function yamlOf(document: Record<string, unknown>): string {
  let yaml = rendered.get(document);
  if (yaml === undefined) {
    yaml = renderOpenApiYaml(document);
    rendered.set(document, yaml);
  }
  return yaml;
}
