import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { readOnly } from './pipeline/method-not-allowed.js';
import { routeLabel } from './pipeline/request-metrics.js';

/** The contract at /openapi.yaml (its text from `contractYaml`, asked on each request) and Swagger UI on it at /docs. */
export function docsRouter(contractYaml: () => string): Router {
  const router = Router();
  router.use(['/openapi.yaml', '/docs'], readOnly);
  router.get('/openapi.yaml', routeLabel('/openapi.yaml'), (_req, res) => {
    res.type('application/yaml').send(contractYaml());
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
