import { Router } from 'express';
import type { Cluster } from '../domain/cluster.js';
import { AppError } from '../errors.js';

/** Liveness says the process serves; readiness says the cluster answers too, and turns false for good once draining. */
export function healthRouter(cluster: Cluster, isDraining: () => boolean = () => false): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (isDraining()) {
      res.status(503).json({ status: 'unavailable', cluster: cluster.description, detail: 'shutting down: finishing in-flight requests' });
      return;
    }
    try {
      await cluster.ping();
      res.json({ status: 'ok', cluster: cluster.description });
    } catch (error) {
      const detail = error instanceof AppError ? error.message : 'the cluster did not answer';
      res.status(503).set('Retry-After', '5').json({ status: 'unavailable', cluster: cluster.description, detail });
    }
  });
  return router;
}
