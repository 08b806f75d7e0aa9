import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { decodedWithKubectl } from '../support/kubectl.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import {
  adminKubeConfig,
  createPullSecretWithKubectl,
  createSecretDirectly,
  createTestNamespace,
  kitSuiteTitle,
  realClusterAvailable,
  type TestNamespace,
} from '../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const enabled = realClusterAvailable();
const title = kitSuiteTitle('PATCH merge on a real kube-apiserver');
const CANARY = `canary-${Date.now()}-Pk8`;
const base64 = (text: string) => Buffer.from(text).toString('base64');
// Characters Go escapes in JSON (\u003c, \u0026, \u003e): kept entries must come back as kubectl wrote them.
const kubectlCredentials = { server: 'registry.example.com', username: 'jane', password: 'pa<ss&w>rd', email: 'jane@example.com' };

/** The raw text of one entry under "auths", exactly as stored (no re-encoding). */
function entryText(config: string, server: string): string {
  const start = config.indexOf(`${JSON.stringify(server)}:{`);
  if (start < 0) throw new Error(`no entry "${server}" in ${config.length} bytes of config`);
  return config.slice(start, config.indexOf('}', start) + 1);
}

describe.skipIf(!enabled)(title, () => {
  let namespace: TestNamespace;
  let t: TestApp;
  let url: (name: string) => string;
  beforeEach(async () => {
    namespace = await createTestNamespace('patch');
    t = buildTestApp({ cluster: new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 }) });
    url = (name) => `/v1/namespaces/${namespace.name}/pullsecrets/${name}`;
  });
  afterEach(async () => namespace.remove());

  it('when a secret made by kubectl gets a second registry, then kubectl shows its own entry byte for byte as it wrote it', async () => {
    await createPullSecretWithKubectl(namespace.name, 'by-kubectl', kubectlCredentials);
    const before = await decodedWithKubectl(namespace.name, 'by-kubectl');

    const res = await request(t.app)
      .patch(url('by-kubectl'))
      .send({ upsert: [{ server: 'ghcr.io', username: 'bot', password: CANARY }] });

    expectMatchesContract(res);
    expect([res.status, res.body.result]).toEqual([200, 'updated']);
    const after = await decodedWithKubectl(namespace.name, 'by-kubectl');
    expect(entryText(after, 'registry.example.com')).toBe(entryText(before, 'registry.example.com'));
    expect(JSON.parse(after).auths['ghcr.io']).toEqual({ username: 'bot', password: CANARY, auth: base64(`bot:${CANARY}`) });
    expect(res.text).not.toContain(CANARY);
    expect(t.logLines.join('\n')).not.toContain(CANARY);

    const again = await request(t.app)
      .patch(url('by-kubectl'))
      .send({ upsert: [{ server: 'ghcr.io', username: 'bot', password: CANARY }] });
    expect([again.status, again.body.result]).toEqual([200, 'unchanged']);
    expect(again.body.resourceVersion).toBe(res.body.resourceVersion);
    expect(await decodedWithKubectl(namespace.name, 'by-kubectl')).toBe(after);
  });

  it('when a docker login config is patched, then fields regcred never writes survive (auth only, identitytoken, credsStore)', async () => {
    const config = {
      auths: {
        'https://index.docker.io/v1/': { auth: base64('jane:hub-pw') },
        'token.example.com': { identitytoken: 'refresh-token' },
        'old.example.com': { auth: base64('old:pw') },
      },
      credsStore: 'desktop',
    };
    await createSecretDirectly({
      namespace: namespace.name,
      name: 'docker-login',
      type: 'kubernetes.io/dockerconfigjson',
      labels: {},
      annotations: {},
      data: { '.dockerconfigjson': base64(JSON.stringify(config, null, '\t')) },
    });

    const res = await request(t.app)
      .patch(url('docker-login'))
      .send({ upsert: [{ server: 'ghcr.io', username: 'bot', password: 'x' }], remove: ['old.example.com'] });

    expect(res.status).toBe(200);
    const { 'old.example.com': _removed, ...kept } = config.auths;
    expect(JSON.parse(await decodedWithKubectl(namespace.name, 'docker-login'))).toEqual({
      auths: { ...kept, 'ghcr.io': { username: 'bot', password: 'x', auth: base64('bot:x') } },
      credsStore: 'desktop',
    });
  });

  it('with dryRun=server, then the API server validates the merge and nothing is stored', async () => {
    await createPullSecretWithKubectl(namespace.name, 'dry', kubectlCredentials);
    const before = await t.cluster.readSecret(namespace.name, 'dry');

    const res = await request(t.app)
      .patch(`${url('dry')}?dryRun=server`)
      .send({ upsert: [{ server: 'ghcr.io', username: 'bot', password: 'x' }] });

    expectMatchesContract(res);
    expect(res.body).toMatchObject({ result: 'updated', dryRun: true });
    expect((await t.cluster.readSecret(namespace.name, 'dry'))?.resourceVersion).toBe(before?.resourceVersion);
  });

  it('when six PATCHes race, each upserting its own server, then all six entries and the kubectl one survive', async () => {
    await createPullSecretWithKubectl(namespace.name, 'busy', kubectlCredentials);
    const servers = Array.from({ length: 6 }, (_, i) => `r${i}.example.com`);

    const results = await Promise.all(
      servers.map((server) =>
        request(t.app)
          .patch(url('busy'))
          .send({ upsert: [{ server, username: 'bot', password: `pw-${server}` }] }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual(servers.map(() => 200));
    const { auths } = JSON.parse(await decodedWithKubectl(namespace.name, 'busy'));
    expect(Object.keys(auths).sort()).toEqual(['registry.example.com', ...servers].sort());
    for (const server of servers) expect(auths[server].password).toBe(`pw-${server}`);
  });

  it('when the secret is missing or Opaque, then 404 and 409, and the Opaque one is left as it was', async () => {
    const opaque = await createSecretDirectly({
      namespace: namespace.name,
      name: 'opaque',
      type: 'Opaque',
      labels: {},
      annotations: {},
      data: { k: 'dg==' },
    });
    const body = { upsert: [{ server: 'ghcr.io', username: 'bot', password: 'x' }] };

    const missing = await request(t.app).patch(url('absent')).send(body);
    const refused = await request(t.app).patch(url('opaque')).send(body);

    expectMatchesContract(missing);
    expectMatchesContract(refused);
    expect([missing.status, refused.status]).toEqual([404, 409]);
    expect((await t.cluster.readSecret(namespace.name, 'opaque'))?.resourceVersion).toBe(opaque.resourceVersion);
  });
});
