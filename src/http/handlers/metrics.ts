import type { HandlerFactory } from '../route.js';

/** GET /metrics: the Prometheus text exposition of this app's registry (unauthenticated, like the probes). */
export const metricsHandler: HandlerFactory =
  ({ metrics: { registry } }) =>
  async (_input, _req, res) => {
    const text = await registry.metrics();
    res.type(registry.contentType).send(text);
  };
