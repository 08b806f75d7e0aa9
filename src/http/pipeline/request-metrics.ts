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
  const labelSets = new LabelSets();
  function observe(this: Response): void {
    const { locals } = this;
    const route = (locals.routeTemplate as string | undefined) ?? UNMATCHED_ROUTE;
    httpRequestDuration.observe(
      labelSets.of(route, this.statusCode, this.req.method),
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

type DurationLabels = { method: string; route: string; status_code: string };

/**
 * One label set per route, status and method seen, made once, so an observation allocates none.
 * Bounded: routes are the table's templates, and Node's parser admits only the methods it knows.
 */
class LabelSets {
  private readonly byRoute = new Map<string, Map<number, Map<string, DurationLabels>>>();

  of(route: string, status: number, method: string): DurationLabels {
    let byStatus = this.byRoute.get(route);
    if (!byStatus) this.byRoute.set(route, (byStatus = new Map()));
    let byMethod = byStatus.get(status);
    if (!byMethod) byStatus.set(status, (byMethod = new Map()));
    let labels = byMethod.get(method);
    if (!labels) byMethod.set(method, (labels = { method, route, status_code: String(status) }));
    return labels;
  }
}
