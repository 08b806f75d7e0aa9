import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { AlreadyExistsError } from '../../src/domain/cluster.js';
import { ConflictError, UnavailableError, UpstreamError } from '../../src/errors.js';

// No kit needed: a fake "API server" answers exactly what a test wants, or nothing at all.

const TIMEOUT_MS = 400;
const draft = { name: 'regcred', namespace: 'team-a', type: 'Opaque', labels: {}, annotations: {}, data: {} };
let close: () => Promise<void> = async () => {};
afterEach(async () => close());

function clusterAt(server: string): KubernetesCluster {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    // client-node allows plain http only with skipTLSVerify.
    clusters: [{ name: 'fake', server, skipTLSVerify: server.startsWith('http:') }],
    users: [{ name: 'fake', token: 'fake-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return new KubernetesCluster(kubeConfig, { timeoutMs: TIMEOUT_MS });
}

async function listen(server: Server | ReturnType<typeof createHttpServer>, sockets: Set<Socket>): Promise<number> {
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return (server.address() as AddressInfo).port;
}

/** An API server that answers every request with `status` and `body` (and `headers`). */
async function fakeApiServer(status: number, body: unknown, headers: Record<string, string> = {}): Promise<KubernetesCluster> {
  const server = createHttpServer((_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  });
  return clusterAt(`http://127.0.0.1:${await listen(server, new Set())}`);
}

const failure = (call: Promise<unknown>) =>
  call.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );

describe('KubernetesCluster against a fake API server', () => {
  it('when nothing listens on the port, then it fails at once with UnavailableError (connection refused)', async () => {
    const port = await listen(createTcpServer(), new Set());
    await close();
    const cluster = clusterAt(`https://127.0.0.1:${port}`);
    const error = await failure(cluster.readSecret('team-a', 'regcred'));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toBe('could not reach the Kubernetes API server: connection refused');
    await expect(cluster.ping()).rejects.toThrow('connection refused');
  });

  it('when the server accepts connections but never answers, then calls give up after timeoutMs', async () => {
    const port = await listen(
      createTcpServer(() => {}),
      new Set(),
    );
    const cluster = clusterAt(`https://127.0.0.1:${port}`);
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

  it('when /readyz answers but not 200, then ping throws UnavailableError', async () => {
    const cluster = await fakeApiServer(500, '[-]etcd failed');
    await expect(cluster.ping()).rejects.toThrow('the Kubernetes API server is not ready (GET /readyz answered HTTP 500)');
  });
});
