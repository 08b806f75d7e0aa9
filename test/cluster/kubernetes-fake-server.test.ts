import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { AlreadyExistsError } from '../../src/domain/cluster.js';
import { ConflictError, UnavailableError, UpstreamError } from '../../src/errors.js';
import { answering, kubeConfigAt, refusingApiServer, silentApiServer, startFakeApiServer } from '../support/fake-api-server.js';
import { stopTestServers } from '../support/loopback.js';

// No kit needed: a fake "API server" answers exactly what a test wants, or nothing at all.

const TIMEOUT_MS = 400;
const draft = { name: 'regcred', namespace: 'team-a', type: 'Opaque', labels: {}, annotations: {}, data: {} };
afterEach(stopTestServers);

const clusterAt = (server: string) => new KubernetesCluster(kubeConfigAt(server), { timeoutMs: TIMEOUT_MS });

/** An API server that answers every request with `status` and `body` (and `headers`). */
async function fakeApiServer(status: number, body: unknown, headers: Record<string, string> = {}): Promise<KubernetesCluster> {
  const { kubeConfig } = await startFakeApiServer(answering(status, body, headers));
  return new KubernetesCluster(kubeConfig, { timeoutMs: TIMEOUT_MS });
}

const failure = (call: Promise<unknown>) =>
  call.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );

describe('KubernetesCluster against a fake API server', () => {
  it('when nothing listens on the port, then it fails at once with UnavailableError (connection refused)', async () => {
    const cluster = clusterAt(await refusingApiServer());
    const error = await failure(cluster.readSecret('team-a', 'regcred'));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toBe('could not reach the Kubernetes API server: connection refused');
    await expect(cluster.ping()).rejects.toThrow('connection refused');
  });

  it('when the server accepts connections but never answers, then calls give up after timeoutMs', async () => {
    const cluster = clusterAt(await silentApiServer());
    for (const call of [() => cluster.listSecrets('team-a', { limit: 1 }), () => cluster.ping()]) {
      const started = performance.now();
      const error = await failure(call());
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toBe(`the Kubernetes API server did not answer within ${TIMEOUT_MS} ms`);
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 300);
    }
  });

  it('when a server error carries a body, then the caller gets a generic UpstreamError that quotes none of it', async () => {
    const cluster = await fakeApiServer(500, { kind: 'Status', message: 'etcd said hunter2', reason: 'InternalError', code: 500 });
    const error = await failure(cluster.createSecret(draft));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe('the Kubernetes API server refused to create secrets (HTTP 500)');
    expect((error as Error).cause).toEqual({ upstreamStatus: 500, upstreamReason: 'InternalError' });
  });

  it('when the server throttles (429), then it is UnavailableError with the Retry-After it asked for', async () => {
    const cluster = await fakeApiServer(429, { kind: 'Status', reason: 'TooManyRequests', code: 429 }, { 'Retry-After': '7' });
    const error = await failure(cluster.listSecrets('team-a', { limit: 1 }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).headers['Retry-After']).toBe('7');
  });

  it("when regcred's credentials are rejected (401), then it says so without the token", async () => {
    const cluster = await fakeApiServer(401, { kind: 'Status', reason: 'Unauthorized', code: 401 });
    const error = await failure(cluster.readSecret('team-a', 'regcred'));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toMatch(/rejected regcred's credentials \(401 Unauthorized\)/);
    expect((error as Error).message).not.toContain('fake-token');
  });

  it('when the namespace is being deleted (403 NamespaceTerminating), then it is a Conflict, not a missing permission', async () => {
    const body = { kind: 'Status', reason: 'Forbidden', code: 403, details: { causes: [{ reason: 'NamespaceTerminating' }] } };
    const error = await failure((await fakeApiServer(403, body)).createSecret(draft));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe('namespace "team-a" is being deleted; no Secrets can be written to it');
  });

  it('when a create conflicts (409 AlreadyExists), then it is AlreadyExistsError, whatever else the body says', async () => {
    const cluster = await fakeApiServer(409, { kind: 'Status', reason: 'AlreadyExists', code: 409, message: 'x' });
    await expect(cluster.createSecret(draft)).rejects.toThrow(AlreadyExistsError);
  });

  // The roll-out's writes go out as plain JSON requests (json-request.ts), not through client-node's generated calls.
  describe("the copy writes' own JSON requests", () => {
    it('when a Secret is created or replaced, then the request is the exact JSON, with the token, the content type and dryRun as asked', async () => {
      const seen: Array<{ method?: string; url?: string; type?: string; auth?: string; body: unknown }> = [];
      const { kubeConfig } = await startFakeApiServer((req, res) => {
        let text = '';
        req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        req.on('end', () => {
          seen.push({
            method: req.method,
            url: req.url,
            type: req.headers['content-type'],
            auth: req.headers.authorization,
            body: JSON.parse(text),
          });
          answering(req.method === 'POST' ? 201 : 200, {
            metadata: { name: 'regcred', namespace: 'team-a', uid: 'u1', resourceVersion: '9', creationTimestamp: '2026-12-07T20:00:00Z' },
            type: 'Opaque',
            data: { k: 'dg==' },
          })(req, res);
        });
      });
      const cluster = new KubernetesCluster(kubeConfig, { timeoutMs: TIMEOUT_MS });
      const created = await cluster.createSecret({ ...draft, labels: { a: 'b' }, data: { k: 'dg==' } }, { dryRun: true });
      expect(created).toMatchObject({ name: 'regcred', namespace: 'team-a', uid: 'u1', resourceVersion: '9', data: { k: 'dg==' } });
      expect(created.creationTimestamp).toBe('2026-12-07T20:00:00Z');
      await cluster.replaceSecret({ ...draft, resourceVersion: '9' });
      expect(seen[0]).toMatchObject({
        method: 'POST',
        url: '/api/v1/namespaces/team-a/secrets?dryRun=All',
        type: 'application/json',
        auth: 'Bearer fake-token',
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'team-a', labels: { a: 'b' } }, type: 'Opaque' },
      });
      expect(seen[1]).toMatchObject({
        method: 'PATCH',
        url: '/api/v1/namespaces/team-a/secrets/regcred',
        type: 'application/json-patch+json',
      });
      expect(seen[1]!.body).toContainEqual({ op: 'replace', path: '/metadata/resourceVersion', value: '9' });
    });

    it('when the server refuses connections, never answers, or drops the connection mid-answer, then each is UnavailableError', async () => {
      const refused = await failure(clusterAt(await refusingApiServer()).createSecret(draft));
      expect((refused as Error).message).toBe('could not reach the Kubernetes API server: connection refused');
      const silent = await failure(clusterAt(await silentApiServer()).replaceSecret({ ...draft, resourceVersion: '1' }));
      expect((silent as Error).message).toBe(`the Kubernetes API server did not answer within ${TIMEOUT_MS} ms`);
      const { kubeConfig } = await startFakeApiServer((_req, res) => {
        res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        res.write('{"metadata":');
        setTimeout(() => res.destroy(), 20);
      });
      const dropped = await failure(new KubernetesCluster(kubeConfig, { timeoutMs: TIMEOUT_MS }).createSecret(draft));
      expect(dropped).toBeInstanceOf(UnavailableError);
      expect((dropped as Error).message).toMatch(/^could not reach the Kubernetes API server: /);
    });

    it('when the answer is not JSON, then it is a generic UpstreamError that quotes none of it', async () => {
      const { kubeConfig } = await startFakeApiServer((_req, res) => {
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end('hunter2 is not JSON');
      });
      const error = await failure(new KubernetesCluster(kubeConfig, { timeoutMs: TIMEOUT_MS }).createSecret(draft));
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as Error).message).not.toContain('hunter2');
    });
  });

  it('when /readyz answers but not 200, then ping throws UnavailableError', async () => {
    const cluster = await fakeApiServer(500, '[-]etcd failed');
    await expect(cluster.ping()).rejects.toThrow('the Kubernetes API server is not ready (GET /readyz answered HTTP 500)');
  });
});
