import { createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'not-a-real-token' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

describe('when the API server cannot be reached or hangs, writes answer 503 with Retry-After', () => {
  // A port that accepts connections and never answers: a stuck API server.
  let silent: Server;
  let silentPort: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a refused connection → 503 problem+json', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { app } = buildTestApp({ cluster: new KubernetesCluster(kubeConfigFor(`https://127.0.0.1:${port}`), { timeoutMs: 2000 }) });
    const res = await request(app).put('/v1/namespaces/default/pullsecrets/regcred').send({ username: 'u', password: 'p' });
    expectMatchesContract(res);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.text).not.toContain('not-a-real-token');
  });

  it('a hanging server → 503 after the bounded timeout, and /readyz says unavailable', async () => {
    const { app } = buildTestApp({ cluster: new KubernetesCluster(kubeConfigFor(`https://127.0.0.1:${silentPort}`), { timeoutMs: 500 }) });
    const res = await request(app).get('/v1/namespaces/default/pullsecrets/regcred');
    expectMatchesContract(res);
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/500 ms/);
    const ready = await request(app).get('/readyz');
    expectMatchesContract(ready);
    expect(ready.status).toBe(503);
  });
});
