import type { RequestHandler } from 'express';
import type { Metrics } from '../metrics.js';

/** The `route` label of requests no route matched (404s, 405s, Swagger UI's static files). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Observes every request's duration once, labelled with the route *template* (e.g.
 * `/v1/namespaces/:namespace/pullsecrets/:name`), never the path, which holds namespaces and names.
 */
export function requestMetrics({ httpRequestDuration }: Pick<Metrics, 'httpRequestDuration'>): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    // Express sets req.route when a route matches, while req.baseUrl still holds the mount path of
    // the routers around it; a thrown error resets baseUrl on its way out to the error handler, so
    // the template is taken at that moment rather than when the response is finished.
    let route: unknown;
    let template = UNMATCHED_ROUTE;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: { path?: unknown } | undefined) => {
        route = value;
        if (typeof value?.path === 'string') template = req.baseUrl + value.path;
      },
    });
    res.once('finish', () => {
      httpRequestDuration.observe(
        { method: req.method, route: template, status_code: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}
