import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiException, HttpMethod, type KubeConfig, type ServerConfiguration } from '@kubernetes/client-node';
import { WatchExpiredError, type Watch, type WatchEvent, type WatchHandlers } from '../../domain/watch.js';
import { UnavailableError, UpstreamError } from '../../errors.js';
import { DeadlineExceededError } from './deadline.js';
import { translateDistributionError, translateStatus } from './distribution-errors.js';
import { readStatus, unavailability, type ApiCall } from './errors.js';
import type { KeepAliveAgents } from './keep-alive-agent.js';

/** A Secret's data may be 1 MiB, base64 and JSON make it larger; a line beyond this is not an event. */
const MAX_LINE_CHARS = 32 * 1024 * 1024;
const MAX_ERROR_BODY_CHARS = 64 * 1024;
/**
 * The API server ends a watch at timeoutSeconds; one that is still open this long after has gone
 * quiet without closing (a dead connection, or the idle-watch stall of API servers up to 1.20), and
 * is ended here so the informer watches again from its last resourceVersion.
 */
const STALL_GRACE_MS = 15_000;

export interface WatchConnection {
  kubeConfig: KubeConfig;
  server: ServerConfiguration<Record<string, string>>;
  /** Watches hold a connection for minutes: a pool of their own, so short calls never wait behind them. */
  agents: KeepAliveAgents;
  /** Until the response headers arrive; the stream itself has no deadline but its timeoutSeconds. */
  connectTimeoutMs: number;
  /** Default STALL_GRACE_MS. */
  stallGraceMs?: number;
}

export interface WatchTarget<T> {
  /** The collection, for WatchExpiredError and messages. */
  description: string;
  /** e.g. `/api/v1/namespaces`. */
  path: string;
  labelSelector?: string;
  operation: ApiCall;
  convert(raw: unknown): T;
}

interface RawEvent {
  type?: string;
  object?: { metadata?: { resourceVersion?: string }; code?: number };
}

/**
 * One streaming GET `?watch=1` through client-node's authentication and TLS settings: events as
 * they arrive, then onClose exactly once (see WatchHandlers).
 */
export function openWatch<T>(
  connection: WatchConnection,
  target: WatchTarget<T>,
  resourceVersion: string,
  timeoutSeconds: number,
  handlers: WatchHandlers<T>,
): Watch {
  let closed = false;
  let request: ClientRequest | undefined;
  let ended = false;
  const close = (error?: unknown) => {
    if (closed) return;
    closed = true;
    clearTimeout(connectTimer);
    clearTimeout(stallTimer);
    // A stream that ended normally has handed its connection back to the pool: it is not ours to close.
    if (!ended) request?.destroy();
    handlers.onClose(error);
  };
  const connectTimer = setTimeout(
    () => close(unavailability(new DeadlineExceededError(connection.connectTimeoutMs))),
    connection.connectTimeoutMs,
  );
  const stallTimer = setTimeout(() => close(), timeoutSeconds * 1000 + (connection.stallGraceMs ?? STALL_GRACE_MS));

  const deliver = (line: string) => {
    let event: RawEvent;
    try {
      event = JSON.parse(line) as RawEvent;
    } catch {
      return close(new UpstreamError(`the watch on ${target.description} sent something that is not JSON`));
    }
    const version = event.object?.metadata?.resourceVersion ?? '';
    if (event.type === 'ERROR') return close(watchFailure(event.object ?? {}, target));
    if (event.type === 'BOOKMARK') return handlers.onEvent({ type: 'BOOKMARK', resourceVersion: version });
    if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
      const change: WatchEvent<T> = { type: event.type, object: target.convert(event.object), resourceVersion: version };
      handlers.onEvent(change);
    }
  };

  const stream = (response: IncomingMessage) => {
    // The partial line so far, in pieces: each chunk is searched once, so a 1 MiB event arriving
    // in 16 KiB chunks is not rescanned and recopied at every chunk.
    let pieces: string[] = [];
    let pending = 0;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      let start = 0;
      let newline: number;
      while (!closed && (newline = chunk.indexOf('\n', start)) >= 0) {
        const line = (pieces.length > 0 ? pieces.join('') + chunk.slice(start, newline) : chunk.slice(start, newline)).trim();
        pieces = [];
        pending = 0;
        start = newline + 1;
        try {
          if (line) deliver(line);
        } catch (error) {
          close(error);
        }
      }
      if (closed || start >= chunk.length) return;
      pieces.push(chunk.slice(start));
      pending += chunk.length - start;
      if (pending > MAX_LINE_CHARS) close(new UpstreamError(`the watch on ${target.description} sent an oversized event`));
    });
    response.on('end', () => {
      ended = true;
      close();
    });
    response.on('error', (error) => close(unavailability(error) ?? cutOff(target)));
    response.on('close', () => close(cutOff(target)));
  };

  const refuse = (response: IncomingMessage) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (body.length < MAX_ERROR_BODY_CHARS) body += chunk;
    });
    response.on('end', () => {
      ended = true;
      const code = response.statusCode ?? 0;
      if (code === 410) return close(new WatchExpiredError(target.description));
      const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)]));
      close(translateDistributionError(new ApiException(code, 'watch refused', body, headers), target.operation));
    });
    response.on('error', (error) => close(unavailability(error) ?? cutOff(target)));
  };

  const start = async () => {
    const query = new URLSearchParams({
      watch: '1',
      resourceVersion,
      timeoutSeconds: String(timeoutSeconds),
      allowWatchBookmarks: 'true',
      ...(target.labelSelector ? { labelSelector: target.labelSelector } : {}),
    });
    const context = connection.server.makeRequestContext(`${target.path}?${query}`, HttpMethod.GET);
    await connection.kubeConfig.applySecurityAuthentication(context);
    if (closed) return;
    const url = new URL(context.getUrl());
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    request = send(url, { method: 'GET', headers: context.getHeaders(), agent: connection.agents.reuse(context.getAgent()) });
    request.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
    request.on('response', (response) => {
      clearTimeout(connectTimer);
      if (closed) return response.resume();
      if (response.statusCode === 200) stream(response);
      else refuse(response);
    });
    request.on('error', (error) => close(translateDistributionError(error, target.operation)));
    request.end();
  };
  start().catch((error: unknown) => close(translateDistributionError(error, target.operation)));
  return { stop: () => close() };
}

/** An ERROR event: a metav1.Status in the stream (410 when the resourceVersion is too old). */
function watchFailure(object: unknown, target: WatchTarget<unknown>): Error {
  const code = typeof (object as { code?: unknown }).code === 'number' ? (object as { code: number }).code : 0;
  if (code === 410) return new WatchExpiredError(target.description);
  return (
    translateStatus(code, readStatus(object), target.operation) ??
    new UpstreamError(`the watch on ${target.description} failed (HTTP ${code || 'status unknown'})`)
  );
}

function cutOff(target: WatchTarget<unknown>): UnavailableError {
  return new UnavailableError(`the watch on ${target.description} was cut off by the Kubernetes API server`);
}
