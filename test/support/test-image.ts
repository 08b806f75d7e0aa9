import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { gzipSync } from 'node:zlib';
import type { TestRegistry } from './registry-process.js';

// Puts a tiny but complete image into a test registry through the registry HTTP API v2, as a
// client pushes: the auth challenge of /v2/, blob uploads (POST, then PUT by digest), the manifest.

export interface PushedImage {
  /** `127.0.0.1:PORT/<repository>:<tag>`, what a pull client is given. */
  reference: string;
  /** The manifest's digest, `sha256:…`, what a pull client reports back. */
  digest: string;
}

export interface PushOptions {
  repository: string;
  tag: string;
  /** Credentials the registry (htpasswd) or its token realm (push scope) accepts for pushing. */
  credentials: { username: string; password: string };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const CALL_TIMEOUT_MS = 5000;
const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const CONFIG_TYPE = 'application/vnd.docker.container.image.v1+json';
const LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/** Pushes a Docker v2 schema 2 image (a config blob and one gzip layer of one small file). */
export async function pushTestImage(registry: TestRegistry, options: PushOptions): Promise<PushedImage> {
  const { repository, tag } = options;
  const authorization = await authorizationFor(registry, `repository:${repository}:pull,push`, options.credentials);
  const tar = tarOf('regcred-test.txt', `an image regcred's tests pull: ${repository}:${tag}\n`);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
    }),
  );
  for (const blob of [config, layer]) await uploadBlob(registry, repository, blob, authorization);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: CONFIG_TYPE, size: config.length, digest: digestOf(config) },
      layers: [{ mediaType: LAYER_TYPE, size: layer.length, digest: digestOf(layer) }],
    }),
  );
  const put = await call(registry, `${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...authorization, 'Content-Type': MANIFEST_TYPE },
    body: manifest,
  });
  expectStatus(put, 201, `PUT the manifest of ${repository}:${tag}`);
  return { reference: `${registry.host}/${repository}:${tag}`, digest: digestOf(manifest) };
}

/** The Authorization header for `scope`: Basic to an htpasswd registry, a Bearer token from a token realm. */
async function authorizationFor(
  registry: TestRegistry,
  scope: string,
  { username, password }: PushOptions['credentials'],
): Promise<Record<string, string>> {
  const basic = { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  const probe = await call(registry, `${registry.url}/v2/`);
  if (probe.status === 200) return {};
  const challenge = String(probe.headers['www-authenticate'] ?? '');
  if (/^Basic\b/i.test(challenge)) return basic;
  const realm = /realm="([^"]*)"/.exec(challenge)?.[1];
  const service = /service="([^"]*)"/.exec(challenge)?.[1];
  if (!/^Bearer\b/i.test(challenge) || !realm || !service) throw new Error(`unexpected challenge from ${registry.url}/v2/: ${challenge}`);
  const answer = await call(registry, `${realm}?${new URLSearchParams({ service, scope, account: username })}`, { headers: basic });
  expectStatus(answer, 200, `get a token for ${scope}`);
  const { token } = JSON.parse(answer.body.toString()) as { token?: string };
  if (!token) throw new Error(`the token realm answered no token for ${scope}`);
  return { Authorization: `Bearer ${token}` };
}

async function uploadBlob(registry: TestRegistry, repository: string, blob: Buffer, authorization: Record<string, string>) {
  const started = await call(registry, `${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: authorization });
  expectStatus(started, 202, `start a blob upload to ${repository}`);
  const location = new URL(String(started.headers.location), registry.url);
  location.searchParams.set('digest', digestOf(blob));
  const put = await call(registry, location.href, {
    method: 'PUT',
    headers: { ...authorization, 'Content-Type': 'application/octet-stream' },
    body: blob,
  });
  expectStatus(put, 201, `PUT a blob to ${repository}`);
}

function call(
  registry: TestRegistry,
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const lengthHeader = body ? { 'Content-Length': String(body.length) } : {};
    const options = { method, headers: { ...headers, ...lengthHeader }, ca: registry.ca.caPem, agent: false, timeout: CALL_TIMEOUT_MS };
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${method} ${new URL(url).pathname} within ${CALL_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// The registry's error body names codes and repositories, never credentials: safe in a message.
function expectStatus(answer: Answer, status: number, what: string): void {
  if (answer.status !== status) throw new Error(`cannot ${what}: ${answer.status} ${answer.body.toString().slice(0, 500)}`);
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A ustar archive of one regular file. */
function tarOf(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, data.length);
  octal(136, 12, 0);
  field(148, 8, ' '.repeat(8));
  field(156, 1, '0');
  field(257, 8, 'ustar\u000000');
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}
