import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

type Header = readonly [name: string, value: string];

/**
 * helmet's headers, worked out once: helmet sets the same headers on every answer (with these
 * options nothing depends on the request), so they are recorded from one run of its middleware
 * and then set in one loop instead of through helmet's 13 middlewares per request.
 */
export function staticSecurityHeaders(options: HelmetOptions): RequestHandler {
  const headers = helmetHeaders(options);
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    res.removeHeader('X-Powered-By');
    next();
  };
}

/** The headers helmet sets with `options`, in its order; anything else it does to an answer is refused. */
function helmetHeaders(options: HelmetOptions): Header[] {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === 'object' ? Object.values(csp.directives ?? {}).flat() : [];
  if (directives.some((d) => typeof d === 'function')) throw new Error('a CSP directive computed per request cannot be set once');
  const headers: Header[] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a ${typeof value}, not a string`);
      headers.push([name, value]);
    },
    // The only header helmet removes; the middleware removes it on every answer.
    removeHeader(name: string) {
      if (name.toLowerCase() !== 'x-powered-by') throw new Error(`helmet removed ${name}`);
    },
  };
  let called = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    called = true;
  });
  if (!called) throw new Error('helmet did not finish synchronously');
  return headers;
}
