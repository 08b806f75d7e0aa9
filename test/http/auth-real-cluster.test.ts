import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { parseTokensFile, tokenSha256Hex } from '../../src/domain/access/caller-tokens.js';
import { kubernetesGatekeeper, tokenGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import {
  adminKubeConfig,
  createTestNamespace,
  grantSecrets,
  realClusterAvailable,
  userToken,
  type TestNamespace,
} from '../support/real-cluster.js';
import { buildTestApp } from '../support/test-app.js';

const enabled = realClusterAvailable();
const creds = { server: 'registry.example.com', username: 'u', password: 'p' };

describe.skipIf(!enabled)('callers on a real kube-apiserver (regcred itself runs as the admin)', () => {
  let a: TestNamespace;
  let b: TestNamespace;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestNamespace('auth-a'), createTestNamespace('auth-b')]);
    // alice may manage secrets in A only; bob has no rights anywhere.
    await grantSecrets(a.name, 'alice', ['get', 'list', 'create', 'patch', 'delete']);
  });
  afterAll(async () => {
    await Promise.all([a?.remove(), b?.remove()]);
  });

  function appWith(gatekeeper: Gatekeeper) {
    const cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });
    return buildTestApp({ cluster, gatekeeper }).app;
  }

  async function expectAliceInAOnly(app: ReturnType<typeof appWith>, alice: string, bob: string) {
    const put = (ns: string, token: string, name = 'regcred') =>
      request(app).put(`/v1/namespaces/${ns}/pullsecrets/${name}`).set('Authorization', `Bearer ${token}`).send(creds);
    const written = await put(a.name, alice);
    expect(written.status).toBe(201);
    expect((await put(a.name, alice)).status).toBe(200);
    expect((await request(app).get(`/v1/namespaces/${a.name}/pullsecrets`).set('Authorization', `Bearer ${alice}`)).status).toBe(200);
    for (const res of [await put(b.name, alice), await put(a.name, bob), await put(b.name, bob)]) {
      expectMatchesContract(res);
      expect(res.status).toBe(403);
    }
    const garbage = await put(a.name, 'garbage-token');
    expect(garbage.status).toBe(401);
    expect(garbage.headers['www-authenticate']).toBe('Bearer realm="regcred"');
    expect((await request(app).delete(`/v1/namespaces/${a.name}/pullsecrets/regcred`).set('Authorization', `Bearer ${alice}`)).status).toBe(
      204,
    );
  }

  it('kubernetes mode: alice, allowed secrets in A by a RoleBinding, writes A and is refused in B; bob is refused everywhere; a garbage token gets 401', async () => {
    const gatekeeper = kubernetesGatekeeper(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }), { ttlMs: 10_000 });
    await expectAliceInAOnly(appWith(gatekeeper), userToken('alice'), userToken('bob'));
  });

  it('kubernetes mode: a caller whose RBAC lacks patch cannot PUT (it needs create and patch), but can POST', async () => {
    const gatekeeper = kubernetesGatekeeper(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }), { ttlMs: 0 });
    await grantSecrets(b.name, 'bob', ['create']);
    const app = appWith(gatekeeper);
    const bob = `Bearer ${userToken('bob')}`;
    expect((await request(app).put(`/v1/namespaces/${b.name}/pullsecrets/x`).set('Authorization', bob).send(creds)).status).toBe(403);
    expect(
      (
        await request(app)
          .post(`/v1/namespaces/${b.name}/pullsecrets`)
          .set('Authorization', bob)
          .send({ name: 'x', ...creds })
      ).status,
    ).toBe(201);
    expect((await request(app).get(`/v1/namespaces/${b.name}/pullsecrets/x`).set('Authorization', bob)).status).toBe(403);
  });

  it("token mode: the same, with regcred's own tokens file", async () => {
    const alice = 'alice-regcred-token-0123456789';
    const bob = 'bob-regcred-token-0123456789';
    const entries = parseTokensFile(
      JSON.stringify([
        { caller: 'alice', sha256: tokenSha256Hex(alice), namespaces: [a.name] },
        { caller: 'bob', sha256: tokenSha256Hex(bob), namespaces: ['nothing-*'] },
      ]),
    );
    await expectAliceInAOnly(appWith(tokenGatekeeper(entries)), alice, bob);
  });
});
