import express, { type RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { staticSecurityHeaders } from '../../src/http/pipeline/security-headers.js';

/** The headers an app answers with when `headers` is its only middleware (Date aside, which changes). */
async function headersSetBy(headers: RequestHandler): Promise<Record<string, unknown>> {
  const app = express().use(headers, (_req, res) => void res.send('ok'));
  const { date: _date, ...rest } = (await request(app).get('/')).headers;
  return rest;
}

describe('staticSecurityHeaders', () => {
  const cases: Array<[string, HelmetOptions]> = [
    ['helmet defaults', {}],
    [
      "regcred's CSP",
      {
        contentSecurityPolicy: {
          directives: { 'default-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null },
        },
      },
    ],
    [
      'some headers off, others tuned',
      { strictTransportSecurity: false, frameguard: { action: 'deny' }, referrerPolicy: { policy: 'same-origin' } },
    ],
  ];

  it.each(cases)('with %s, then answers carry exactly the headers helmet sets, X-Powered-By removed', async (_name, options) => {
    const expected = await headersSetBy(helmet(options));
    expect(await headersSetBy(staticSecurityHeaders(options))).toEqual(expected);
    expect(expected['x-powered-by']).toBeUndefined();
    expect(expected['x-frame-options']).toBeDefined();
  });

  it('refuses a CSP directive computed per request: it cannot be set once', () => {
    const nonce = () => "'nonce-abc'";
    expect(() => staticSecurityHeaders({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", nonce] } } })).toThrow(
      /per request/,
    );
  });
});
