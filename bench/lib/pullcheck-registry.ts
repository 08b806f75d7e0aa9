import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { startTokenRegistry, startTokenServer, type TestRegistry, type TokenServer } from '../../test/support/registries.js';
import { createTestCa } from '../../test/support/test-ca.js';
import { pushTestImage } from '../../test/support/test-image.js';

/** Debian's docker-registry behind a token server, both on 127.0.0.1, and the calls they have answered. */
export interface BenchRegistry {
  registry: TestRegistry;
  tokenServer: TokenServer;
  caFile: string;
  /** HTTP requests the registry logged (its access log) and token requests the token server answered, so far. */
  calls(): { registry: number; token: number };
  stop(): Promise<void>;
}

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const TAG_CONCURRENCY = 8;
// A line of the registry's access log (Apache combined format): `… "HEAD /v2/… HTTP/1.1" 200 …`.
const ACCESS_LINE = /"(?:GET|HEAD|PUT|POST|PATCH|DELETE) \/v2\/\S* HTTP\/[\d.]+" \d{3} /;
// The registry's logs() keeps the last 1 MB: it is read often enough that nothing leaves unread.
const FOLLOW_EVERY_MS = 20;

export const UPLOADER = { username: 'uploader', password: 'bench-uploader-password' };

/**
 * A token registry (startTokenRegistry) whose token server knows `users`, every one of them granted
 * pull on `repositories`; UPLOADER may push there too.
 */
export async function startBenchRegistry(users: Record<string, string>, repositories: string[]): Promise<BenchRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-bench-registry-'));
  const ca = createTestCa(dir, 'bench');
  const grants = Object.fromEntries(Object.keys(users).map((user) => [user, repositories]));
  const tokenServer = await startTokenServer({
    users: { ...users, [UPLOADER.username]: UPLOADER.password },
    grants,
    pushGrants: { [UPLOADER.username]: repositories },
    ca,
    service: 'regcred-bench-registry',
  });
  const registry = await startTokenRegistry({ tokenServer, ca }).catch(async (error: unknown) => {
    await tokenServer.stop();
    throw error;
  });
  const log = followAccessLog(registry);
  return {
    registry,
    tokenServer,
    caFile: ca.caFile,
    calls: () => ({ registry: log.count(), token: tokenServer.requests.length }),
    stop: async () => {
      log.stop();
      await registry.stop();
      await tokenServer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pushes a small image to `repository` under its first tag, then the same manifest under every other tag. */
export async function pushTags(bench: BenchRegistry, repository: string, tags: string[]): Promise<void> {
  const [first, ...others] = tags;
  await pushTestImage(bench.registry, { repository, tag: first!, credentials: UPLOADER });
  const authorization = `Bearer ${await pushToken(bench, repository)}`;
  const base = `${bench.registry.url}/v2/${repository}/manifests`;
  const manifest = await call(bench, `${base}/${first}`, { method: 'GET', headers: { authorization, accept: MANIFEST_TYPE } });
  if (manifest.status !== 200) throw new Error(`GET the manifest of ${repository}:${first}: ${manifest.status}`);
  const limit = pLimit(TAG_CONCURRENCY);
  await Promise.all(
    others.map((tag) =>
      limit(async () => {
        const put = await call(bench, `${base}/${tag}`, {
          method: 'PUT',
          headers: { authorization, 'content-type': MANIFEST_TYPE },
          body: manifest.body,
        });
        if (put.status !== 201) throw new Error(`PUT ${repository}:${tag}: ${put.status} ${put.body.toString().slice(0, 300)}`);
      }),
    ),
  );
}

async function pushToken(bench: BenchRegistry, repository: string): Promise<string> {
  const url = new URL(bench.tokenServer.realm);
  url.searchParams.set('service', bench.tokenServer.service);
  url.searchParams.set('scope', `repository:${repository}:pull,push`);
  const basic = Buffer.from(`${UPLOADER.username}:${UPLOADER.password}`).toString('base64');
  const answer = await call(bench, url.href, { method: 'GET', headers: { authorization: `Basic ${basic}` } });
  if (answer.status !== 200) throw new Error(`push token for ${repository}: ${answer.status}`);
  return (JSON.parse(answer.body.toString()) as { token: string }).token;
}

function call(
  bench: BenchRegistry,
  url: string,
  options: { method: string; headers: Record<string, string>; body?: Buffer },
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers, ...(options.body ? { 'content-length': String(options.body.length) } : {}) };
    const req = request(url, { method: options.method, headers, ca: bench.registry.ca.caPem, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${options.method} ${url} within 10 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Counts the registry's access-log lines, reading its log (a sliding last megabyte) every FOLLOW_EVERY_MS. */
function followAccessLog(registry: TestRegistry): { count(): number; stop(): void } {
  let anchor = '';
  let lines = 0;
  let lost = false;
  const read = () => {
    const text = registry.logs();
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const at = anchor ? complete.lastIndexOf(anchor) : -1;
    if (anchor && at < 0) lost = true;
    const fresh = at >= 0 ? complete.slice(at + anchor.length) : complete;
    for (const line of fresh.split('\n')) if (ACCESS_LINE.test(line)) lines++;
    // Every line carries a time and most a request id: the last 512 characters occur once.
    anchor = complete.slice(-512) || anchor;
  };
  const timer = setInterval(read, FOLLOW_EVERY_MS);
  return {
    count: () => {
      read();
      if (lost) throw new Error('the registry logged more than 1 MB between two reads of its log: calls went uncounted');
      return lines;
    },
    stop: () => clearInterval(timer),
  };
}
