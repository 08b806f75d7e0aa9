import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import {
  RegistryTransportError,
  type RegistryRequest,
  type RegistryResponse,
  type RegistryTransport,
} from '../domain/verify/registry-transport.js';
import { GuardRefusal, refusalFor, ResolutionFailure, resolveGuarded, systemResolve, type Resolve } from './egress-guard.js';

export interface NodeTransportOptions {
  /** Extra PEM CA certificates trusted beside the system's. */
  extraCa?: string;
  allowPrivate: boolean;
  /** Per request (each step of a verification). */
  timeoutMs: number;
  resolve?: Resolve;
}

// Registries answer /v2/ and token requests with small bodies; anything bigger is cut here.
const MAX_BODY_BYTES = 64 * 1024;
const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS|ERR_SSL|EPROTO$|HOSTNAME_MISMATCH)/;
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENODATA',
]);

/**
 * The registry transport over node:http(s): addresses resolved and vetted by the egress guard before
 * connecting (and the connected address checked again), certificates verified, no redirects
 * followed, bounded time and body. No connection is reused. Errors carry our own words only.
 */
export function nodeRegistryTransport(options: NodeTransportOptions): RegistryTransport {
  const resolve = options.resolve ?? systemResolve;
  // Built once: a context made from the system's roots and the extra CA for every call took ~7 ms of CPU each.
  const secureContext = options.extraCa ? createSecureContext({ ca: [...rootCertificates, options.extraCa] }) : undefined;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolveGuarded(hostname, options.allowPrivate, resolve).then(
      ({ address, family }) => (lookupOptions.all ? callback(null, [{ address, family }]) : callback(null, address, family)),
      (error: Error) => callback(error as NodeJS.ErrnoException, ''),
    );
  };
  return {
    async send(request: RegistryRequest, signal?: AbortSignal): Promise<RegistryResponse> {
      const url = new URL(request.url);
      const where = url.host;
      // A check whose request is gone opens no connection (node would start one before noticing).
      if (signal?.aborted) throw new RegistryTransportError('timeout', `the check of ${where} was stopped: its request ended`);
      // IP literals skip `lookup`, so they are vetted here.
      if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) {
        try {
          await resolveGuarded(url.hostname, options.allowPrivate, resolve);
        } catch (error) {
          throw translate(error, where, false, options.timeoutMs);
        }
      }
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<RegistryResponse>((resolvePromise, reject) => {
        const fail = (error: unknown) => reject(translate(error, where, timeout.aborted, options.timeoutMs));
        const req = send(url, {
          method: request.method,
          headers: { 'user-agent': 'regcred', ...request.headers },
          agent: false,
          lookup,
          signal: combined,
          ...(secureContext ? { secureContext } : {}),
        });
        req.on('socket', (socket) =>
          socket.on('connect', () => {
            const refusal = socket.remoteAddress ? refusalFor(socket.remoteAddress, options.allowPrivate) : undefined;
            if (refusal) req.destroy(new GuardRefusal(`${where} connected to ${refusal}; regcred does not send requests there`));
          }),
        );
        req.on('error', fail);
        req.on('response', (response) => readCapped(response).then(resolvePromise, fail));
        req.end();
      });
    },
  };
}

function readCapped(response: IncomingMessage): Promise<RegistryResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () =>
      resolve({ status: response.statusCode ?? 0, headers: headersOf(response), body: Buffer.concat(chunks).toString('utf8') });
    response.on('data', (chunk: Buffer) => {
      if (size >= MAX_BODY_BYTES) return;
      chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
      size += chunk.length;
      if (size >= MAX_BODY_BYTES) {
        response.destroy();
        done();
      }
    });
    response.on('end', done);
    response.on('error', reject);
  });
}

function headersOf(response: IncomingMessage): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
}

function translate(error: unknown, where: string, timedOut: boolean, timeoutMs: number): RegistryTransportError {
  // Only the guard's own errors carry a message on, as they are worded by us; a resolver's is never passed.
  const guard = [error, (error as { cause?: unknown } | undefined)?.cause].find(
    (e) => e instanceof GuardRefusal || e instanceof ResolutionFailure,
  );
  if (guard instanceof GuardRefusal) return new RegistryTransportError('guard', guard.message);
  if (guard instanceof ResolutionFailure) return new RegistryTransportError('unreachable', guard.message);
  if (timedOut) return new RegistryTransportError('timeout', `${where} did not answer within ${timeoutMs} ms`);
  const code = String((error as { code?: unknown })?.code ?? '');
  if (code === 'ABORT_ERR')
    return new RegistryTransportError('timeout', `the check of ${where} did not finish within the request's deadline`);
  if (TLS_CODES.test(code)) {
    return new RegistryTransportError(
      'tls',
      `TLS with ${where} failed (${code}); if it uses a private CA, add it with REGCRED_VERIFY_CA_FILE`,
    );
  }
  if (UNREACHABLE_CODES.has(code)) return new RegistryTransportError('unreachable', `${where} could not be reached (${code})`);
  return new RegistryTransportError('protocol', `${where} answered something that is not HTTP (${code || 'no code'})`);
}
