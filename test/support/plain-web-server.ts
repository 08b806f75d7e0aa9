import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { closeServer, listenOnLoopback, tracked } from './loopback.js';
import type { TestCa } from './test-ca.js';

export interface PlainWebServer {
  /** `https://127.0.0.1:PORT`, or `http://` without a CA. */
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

const page = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`;

// An ordinary web site, as a mistyped registry address might reach: a home page, 404 pages elsewhere (/v2/ too).
const answerLikeAWebSite: RequestListener = (req, res) => {
  const home = new URL(req.url ?? '/', 'http://127.0.0.1').pathname === '/';
  res.writeHead(home ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8', Server: 'regcred-test-web' });
  res.end(req.method === 'HEAD' ? undefined : page(home ? 'Welcome' : '404 Not Found'));
};

/** A web server that is no registry: HTTPS with the test CA's server certificate, or plain HTTP when `ca` is left out. */
export async function startPlainWebServer(options: { ca?: TestCa } = {}): Promise<PlainWebServer> {
  const { ca } = options;
  const server = ca
    ? createHttpsServer({ cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile) }, answerLikeAWebSite)
    : createHttpServer(answerLikeAWebSite);
  const port = await listenOnLoopback(server);
  const host = `127.0.0.1:${port}`;
  return { url: `${ca ? 'https' : 'http'}://${host}`, host, port, stop: tracked(() => closeServer(server)) };
}
