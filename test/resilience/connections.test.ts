import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyServerTimeouts } from '../../src/server-timeouts.js';
import { buildTestApp } from '../support/test-app.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Whether the request went out on a connection an earlier answer had left open. */
  reusedSocket: boolean;
}

let server: Server;
let port: number;
// One socket, kept alive: a request that left the connection broken makes the next one fail.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  server = createServer(buildTestApp().app);
  applyServerTimeouts(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The request, then GET /healthz on the same connection: both must be answered. */
async function thenHealthz(first: Promise<Answer>): Promise<Answer> {
  const answer = await first;
  const next = await send('GET', '/healthz');
  expect(next.status).toBe(200);
  expect(next.reusedSocket).toBe(true);
  return answer;
}

const CANARY = 'CANARY-multipart-7f3a';
const part = (headers: string, content: string) => `--XX\r\n${headers}\r\n\r\n${content}\r\n`;
const config = `{"auths":{"r.example.com":{"auth":"${Buffer.from(`u:${CANARY}`).toString('base64')}"}}}`;
const MALFORMED: Record<string, { contentType: string; body: string }> = {
  'no boundary parameter': {
    contentType: 'multipart/form-data',
    body: part('Content-Disposition: form-data; name="config"; filename="c.json"', config) + '--XX--\r\n',
  },
  'a body cut off before its closing boundary': {
    contentType: 'multipart/form-data; boundary=XX',
    body: `--XX\r\nContent-Disposition: form-data; name="config"; filename="c.json"\r\n\r\n${config}`,
  },
  'a broken part header': {
    contentType: 'multipart/form-data; boundary=XX',
    body: part(`broken header line ${CANARY}`, config) + '--XX--\r\n',
  },
  'no delimiter at all': { contentType: 'multipart/form-data; boundary=XX', body: `just text ${CANARY}` },
  'an empty body': { contentType: 'multipart/form-data; boundary=XX', body: '' },
};

describe('malformed multipart uploads', () => {
  for (const path of ['/v1/namespaces/default/pullsecrets/regcred/dockerconfig', '/v1/render/dockerconfig']) {
    const method = path.startsWith('/v1/render') ? 'POST' : 'PUT';
    it.each(Object.entries(MALFORMED))(
      `${method} ${path} with %s → 400 problem+json naming config, no echo, connection still usable`,
      async (_name, { contentType, body }) => {
        const answer = await thenHealthz(
          send(method, path, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) }, body),
        );
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        const problem = JSON.parse(answer.body) as { errors?: { path: string; code: string }[] };
        expect(problem.errors?.[0]).toMatchObject({ path: 'config' });
        expect(answer.body).not.toContain(CANARY);
        expect(answer.body).not.toMatch(/busboy|Unexpected end of form|Boundary not found|Malformed part header/);
      },
    );
  }

  it('when the upload is well formed, then it is still accepted (the parser is not refusing everything)', async () => {
    const body =
      part('Content-Disposition: form-data; name="config"; filename="c.json"\r\nContent-Type: application/json', config) + '--XX--\r\n';
    const answer = await send(
      'POST',
      '/v1/render/dockerconfig',
      { 'Content-Type': 'multipart/form-data; boundary=XX', 'Content-Length': String(body.length) },
      body,
    );
    expect(answer.status).toBe(200);
  });
});

describe('kept-alive connections', () => {
  const BODY = JSON.stringify({ a: 'x'.repeat(70_000) });
  it.each([
    ['DELETE', '/metrics', 405],
    ['DELETE', '/docs', 405],
    ['DELETE', '/docs/', 405],
    ['POST', '/openapi.yaml', 405],
    ['DELETE', '/healthz', 405],
    ['DELETE', '/nowhere', 404],
    ['DELETE', '/v1/nowhere', 404],
    ['PATCH', '/v1/render', 405],
  ])(
    '%s %s with a JSON body nobody reads → %i problem+json, and the next request on that connection is answered',
    async (method, path, status) => {
      const answer = await thenHealthz(
        send(method, path, { 'Content-Type': 'application/json', 'Content-Length': String(BODY.length) }, BODY),
      );
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      if (status === 405) expect(answer.headers.allow).toBeDefined();
    },
  );

  it('each answer tells the client how long an idle connection lives (65 s, above the 60 s of common proxies)', async () => {
    const answer = await send('GET', '/healthz');
    expect(answer.headers.connection).toBe('keep-alive');
    expect(answer.headers['keep-alive']).toBe('timeout=65');
  });

  it('a connection left idle past Node’s default 5 s keep-alive is still open and answered', { timeout: 15_000 }, async () => {
    await send('GET', '/healthz');
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const answer = await send('GET', '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.reusedSocket).toBe(true);
  });
});
