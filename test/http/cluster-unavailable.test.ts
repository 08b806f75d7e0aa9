import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { kubeConfigAt, refusingApiServer, silentApiServer } from '../support/fake-api-server.js';
import { stopTestServers } from '../support/loopback.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

const kubeConfigFor = (server: string) => kubeConfigAt(server, 'not-a-real-token');

describe('when the API server cannot be reached or hangs, writes answer 503 with Retry-After', () => {
  // A port that accepts connections and never answers: a stuck API server.
  let silent: string;
  beforeAll(async () => {
    silent = await silentApiServer();
  });
  afterAll(stopTestServers);

  it('a refused connection → 503 problem+json', async () => {
    const { app } = buildTestApp({ cluster: new KubernetesCluster(kubeConfigFor(await refusingApiServer()), { timeoutMs: 2000 }) });
    const res = await request(app).put('/v1/namespaces/default/pullsecrets/regcred').send({ username: 'u', password: 'p' });
    expectMatchesContract(res);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.text).not.toContain('not-a-real-token');
  });

  it('a hanging server → 503 after the bounded timeout, and /readyz says unavailable', async () => {
    const { app } = buildTestApp({ cluster: new KubernetesCluster(kubeConfigFor(silent), { timeoutMs: 500 }) });
    const res = await request(app).get('/v1/namespaces/default/pullsecrets/regcred');
    expectMatchesContract(res);
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/500 ms/);
    const ready = await request(app).get('/readyz');
    expectMatchesContract(ready);
    expect(ready.status).toBe(503);
  });
});
