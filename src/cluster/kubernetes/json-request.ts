import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiException, type HttpMethod, type KubeConfig, type ServerConfiguration } from '@kubernetes/client-node';
import type { KeepAliveAgents } from './keep-alive-agent.js';

export interface JsonConnection {
  kubeConfig: KubeConfig;
  server: ServerConfiguration<Record<string, string>>;
  agents: KeepAliveAgents;
}

/** An answer beyond this is not a Secret (at most 1 MiB of data, base64 and JSON around it). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * One JSON request through client-node's authentication and TLS settings, without its generated
 * models: for the writes a roll-out makes by the tens of thousands. Measured against the kit,
 * client-node's `createNamespacedSecret` (its serializer, middleware and fetch) spent 0.76–0.96 ms of
 * CPU per Secret created, this 0.21–0.33 ms (docs/benchmarks.md, "Namespace count"). Answers the
 * parsed body of a 2xx; anything else is thrown as client-node's own ApiException (status, body
 * text, headers), so the errors are translated exactly as those of the generated calls.
 */
export async function sendJson(
  connection: JsonConnection,
  method: HttpMethod,
  path: string,
  body: unknown,
  contentType: string,
  signal: AbortSignal,
): Promise<unknown> {
  const context = connection.server.makeRequestContext(path, method);
  await connection.kubeConfig.applySecurityAuthentication(context);
  signal.throwIfAborted();
  const url = new URL(context.getUrl());
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const payload = Buffer.from(JSON.stringify(body));
  const headers = {
    ...context.getHeaders(),
    'content-type': contentType,
    accept: 'application/json',
    'content-length': String(payload.length),
  };
  return new Promise((resolve, reject) => {
    const request = send(url, { method, headers, agent: connection.agents.reuse(context.getAgent()), signal }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) request.destroy(Object.assign(new Error('oversized answer'), { code: 'ERR_OVERSIZED_ANSWER' }));
        else chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const code = response.statusCode ?? 0;
        if (code < 200 || code >= 300) return reject(new ApiException(code, `HTTP ${code}`, text, plainHeaders(response.headers)));
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );
}
