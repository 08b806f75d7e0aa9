import { Router } from 'express';
import type { Registry } from 'prom-client';

/** GET /metrics: the Prometheus text exposition of this app's registry (unauthenticated, like the probes). */
export function metricsRouter(registry: Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const text = await registry.metrics();
    res.type(registry.contentType).send(text);
  });
  return router;
}
