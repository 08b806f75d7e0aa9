import type { Request, Response } from 'express';
import type { Cluster } from '../../domain/cluster.js';
import { AppError } from '../../errors.js';
import type { HandlerFactory } from '../route.js';

// Liveness says the process serves; readiness says the cluster answers too, and turns false for good
// once draining. Both are unauthenticated, so they say status only: which cluster regcred talks to
// is for the start-up line and the authenticated GET /v1/status.

export const healthzHandler: HandlerFactory = () => (_input, req, res) => healthz(req, res);

/** GET /healthz, on its own: it needs nothing (the Dockerfile's health check is tested against it). */
export const healthz = (_req: Request, res: Response): void => {
  res.json({ status: 'ok' });
};

export const readyzHandler: HandlerFactory =
  ({ cluster, isDraining }) =>
  async (_input, _req, res) => {
    const readiness = await readinessOf(cluster, isDraining);
    if (readiness.status === 'ok') res.json({ status: 'ok' });
    else res.status(503).set('Retry-After', '5').json({ status: 'unavailable' });
  };

/** GET /v1/status: readiness with the detail an authenticated caller may see (which cluster, why not ready). */
export const statusHandler: HandlerFactory =
  ({ cluster, isDraining, controller }) =>
  async (_input, _req, res) => {
    const readiness = await readinessOf(cluster, isDraining);
    const state = controller ? { state: controller.isLeader() ? 'leading' : 'standby', identity: controller.identity } : { state: 'off' };
    res.json({ ...readiness, cluster: cluster.description, controller: state });
  };

async function readinessOf(cluster: Cluster, isDraining: () => boolean): Promise<{ status: 'ok' | 'unavailable'; detail?: string }> {
  if (isDraining()) return { status: 'unavailable', detail: 'shutting down: finishing in-flight requests' };
  try {
    await cluster.ping();
    return { status: 'ok' };
  } catch (error) {
    return { status: 'unavailable', detail: error instanceof AppError ? error.message : 'the cluster did not answer' };
  }
}
