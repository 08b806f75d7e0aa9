import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { FuzzRequest } from './requests.js';

export type Outcome =
  | { kind: 'answer'; status: number; headers: IncomingHttpHeaders; text: string }
  | { kind: 'error'; code: string; reusedSocket: boolean; previous?: string };

const TIMEOUT_MS = 30_000;
const previousOnSocket = new WeakMap<Socket, string>();

/**
 * Sends one request on a kept-alive connection of `agent`. An error on a reused connection names
 * the request that connection answered before: that is the one that left it broken.
 */
export function send(agent: Agent, port: number, fuzz: FuzzRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...fuzz.headers };
    if (fuzz.body) headers[fuzz.chunked ? 'transfer-encoding' : 'content-length'] = fuzz.chunked ? 'chunked' : fuzz.body.length;
    const req = request({ host: '127.0.0.1', port, method: fuzz.method, path: fuzz.path, headers, agent, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (req.socket) previousOnSocket.set(req.socket, `${fuzz.label} -> ${res.statusCode}`);
        resolve({ kind: 'answer', status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ kind: 'error', code: error.code ?? error.message, reusedSocket: req.reusedSocket }),
      );
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 30 s'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const previous = req.socket ? previousOnSocket.get(req.socket) : undefined;
      resolve({ kind: 'error', code: error.code ?? error.message, reusedSocket: req.reusedSocket, ...(previous ? { previous } : {}) });
    });
    if (fuzz.body) req.end(fuzz.body);
    else req.end();
  });
}
