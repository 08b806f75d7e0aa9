import type { RequestHandler, Response } from 'express';
import type { Metrics } from '../../metrics.js';

/** The `route` label of requests no route matched (404s, 405s, Swagger UI's static files). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Observes every request's duration once, labelled with the route *template* (e.g.
 * `/v1/namespaces/:namespace/pullsecrets/:name`) that `routeLabel` recorded, never the path,
 * which holds namespaces and names.
 */
export function requestMetrics({ httpRequestDuration }: Pick<Metrics, 'httpRequestDuration'>): RequestHandler {
  function observe(this: Response): void {
    const { locals } = this;
    httpRequestDuration.observe(
      {
        method: this.req.method,
        route: (locals.routeTemplate as string | undefined) ?? UNMATCHED_ROUTE,
        status_code: String(this.statusCode),
      },
      (performance.now() - (locals.metricsStarted as number)) / 1000,
    );
  }
  return (_req, res, next) => {
    res.locals.metricsStarted = performance.now();
    // One shared listener (a response finishes once): no closure per request.
    res.on('finish', observe);
    next();
  };
}

/**
 * The first handler of a route: records its template for the `route` label as it matches, so a
 * thrown error (answered outside the route) is still counted under it.
 */
export function routeLabel(template: string): RequestHandler {
  return (_req, res, next) => {
    res.locals.routeTemplate = template;
    next();
  };
}
