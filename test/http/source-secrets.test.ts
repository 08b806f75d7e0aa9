import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryCluster, type SeedSecret } from '../../src/cluster/memory/cluster.js';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { kubernetesGatekeeper, tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import type { Cluster } from '../../src/domain/cluster.js';
import { DISTRIBUTION_LABEL, DISTRIBUTION_SOURCE_LABEL, DISTRIBUTION_UID_ANNOTATION } from '../../src/domain/distributions/distribution.js';
import type { SecretObject } from '../../src/domain/kubernetes/secret.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import {
  adminKubeConfig,
  createSecretDirectly,
  createTestNamespace,
  grantRights,
  grantSecrets,
  realClusterAvailable,
  userToken,
  type TestNamespace,
} from '../support/real-cluster.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

// One cluster, two regcred installations: a caller of installation one whose grant reaches installation
// two's namespace must not rewrite (or delete) the source of a distribution installation two copies out.

const SOURCE = 'distribution-shared';
const intruder = { server: 'registry.example.com', username: 'intruder', password: 'intruder-password' };
const owner = Buffer.from(
  JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('owner:owner-pw').toString('base64') } } }),
);
const dockerConfig = JSON.stringify({
  auths: { 'registry.example.com': { auth: Buffer.from('intruder:intruder-password').toString('base64') } },
});

const pullSecret = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): SeedSecret => ({
  namespace,
  name,
  type: 'kubernetes.io/dockerconfigjson',
  labels: { 'app.kubernetes.io/managed-by': 'regcred', ...labels },
  annotations,
  data: { '.dockerconfigjson': owner.toString('base64') },
});
const sourceOf = (namespace: string) =>
  pullSecret(namespace, SOURCE, { [DISTRIBUTION_SOURCE_LABEL]: 'shared' }, { [DISTRIBUTION_UID_ANNOTATION]: 'uid-of-shared' });

interface World {
  t: TestApp;
  /** Installation two's namespace, holding the source: the caller may write there. */
  two: string;
  /** Another namespace the caller may write. */
  other: string;
  seed: (secret: SeedSecret) => Promise<SecretObject>;
  caller: string;
  /** A caller with no rights in `two`. */
  outsider: string;
}

function sourceRefusals(arrange: () => Promise<World>) {
  let w: World;
  let source: SecretObject;
  beforeEach(async () => {
    w = await arrange();
    source = await w.seed(sourceOf(w.two));
  });

  const send = (method: 'put' | 'post' | 'patch' | 'delete', url: string, token = w.caller) =>
    request(w.t.app)[method](url).set('Authorization', `Bearer ${token}`);
  const at = (suffix = '') => `/v1/namespaces/${w.two}/pullsecrets${suffix}`;
  const expectUntouched = async (cluster: Cluster) => {
    const after = await cluster.readSecret(w.two, SOURCE);
    expect(after?.resourceVersion).toBe(source.resourceVersion);
    expect(after?.data).toEqual(source.data);
  };
  const expectSourceConflict = (res: request.Response) => {
    expectMatchesContract(res);
    expect([res.status, res.type]).toEqual([409, 'application/problem+json']);
    expect(res.body.detail).toContain('is the source of distribution "shared" and is changed through /v1/distributions/shared');
    expect(JSON.stringify(res.body)).not.toContain('owner-pw');
  };

  // Each alone: on a regcred that lets them through, every one of them writes or deletes the source.
  const perNamespaceWrites: [string, () => request.Test][] = [
    ['PUT', () => send('put', at(`/${SOURCE}`)).send(intruder)],
    ['PUT ?dryRun=server', () => send('put', at(`/${SOURCE}?dryRun=server`)).send(intruder)],
    [
      'PUT …/dockerconfig (raw JSON)',
      () =>
        send('put', at(`/${SOURCE}/dockerconfig`))
          .set('Content-Type', 'application/json')
          .send(dockerConfig),
    ],
    [
      'PUT …/dockerconfig (multipart)',
      () => send('put', at(`/${SOURCE}/dockerconfig`)).attach('config', Buffer.from(dockerConfig), 'config.json'),
    ],
    ['PATCH', () => send('patch', at(`/${SOURCE}`)).send({ upsert: [intruder] })],
    ['DELETE', () => send('delete', at(`/${SOURCE}`))],
    ['DELETE ?unlink=true', () => send('delete', at(`/${SOURCE}?unlink=true`))],
  ];

  it.each(perNamespaceWrites)(
    'when a caller sends %s for a distribution source, then 409 naming the distribution and nothing is written',
    async (_title, write) => {
      expectSourceConflict(await write());
      await expectUntouched(w.t.cluster);
    },
  );

  it('when a caller POSTs its name, then 409 "already exists", without regcred reading the Secret in the way for a caller that may only create', async () => {
    const res = await send('post', at()).send({ ...intruder, name: SOURCE });
    expectMatchesContract(res);
    expect([res.status, res.type]).toEqual([409, 'application/problem+json']);
    expect(res.body.detail).toContain('already exists');
    expect(res.body.detail).not.toContain('source of distribution');
    await expectUntouched(w.t.cluster);
  });

  it('when a many-namespace PUT names its namespace, then that namespace fails as a conflict and the others are written', async () => {
    const fanOut = [
      await send('put', `/v1/pullsecrets/${SOURCE}`).send({ ...intruder, namespaces: [w.two, w.other] }),
      await send('put', `/v1/pullsecrets/${SOURCE}/dockerconfig?namespaces=${w.two},${w.other}`)
        .set('Content-Type', 'application/json')
        .send(dockerConfig),
    ];
    for (const res of fanOut) {
      expectMatchesContract(res);
      expect(res.status).toBe(207);
      expect(res.body.results[0]).toEqual({
        namespace: w.two,
        result: 'failed',
        reason: expect.stringContaining('source of distribution "shared"'),
      });
      expect(res.body.results[1]).toMatchObject({ namespace: w.other, result: expect.stringMatching(/^(created|updated|unchanged)$/) });
    }
    await expectUntouched(w.t.cluster);
  });

  it('when a caller without rights in the namespace asks, then 403 (or forbidden) that says nothing about the source', async () => {
    for (const res of [
      await send('put', at(`/${SOURCE}`), w.outsider).send(intruder),
      await send('delete', at(`/${SOURCE}`), w.outsider),
      await send('put', `/v1/pullsecrets/${SOURCE}`, w.outsider).send({ ...intruder, namespaces: [w.two] }),
    ]) {
      expectMatchesContract(res);
      expect(res.status === 403 || res.body.results?.[0]?.result === 'forbidden').toBe(true);
      expect(JSON.stringify(res.body)).not.toMatch(/source of|\/v1\/distributions/);
    }
    await expectUntouched(w.t.cluster);
  });

  it('when the caller reads it, then it is shown, redacted', async () => {
    const res = await request(w.t.app)
      .get(at(`/${SOURCE}`))
      .set('Authorization', `Bearer ${w.caller}`);
    expectMatchesContract(res);
    expect([res.status, res.body.labels[DISTRIBUTION_SOURCE_LABEL]]).toEqual([200, 'shared']);
    expect(JSON.stringify(res.body)).not.toContain('owner-pw');
  });

  it('control: an ordinary pull secret there, and a copy (restored by its controller, not refused), are written and deleted', async () => {
    for (const seeded of [pullSecret(w.two, 'ordinary', {}), pullSecret(w.two, 'copy', { [DISTRIBUTION_LABEL]: 'shared' })]) {
      const before = await w.seed(seeded);
      const put = await send('put', at(`/${seeded.name}`)).send(intruder);
      expect([put.status, put.body.result]).toEqual([200, 'updated']);
      expect(put.body.resourceVersion).not.toBe(before.resourceVersion);
      const patched = await send('patch', at(`/${seeded.name}`)).send({ upsert: [{ ...intruder, server: 'ghcr.io' }] });
      expect([patched.status, patched.body.result]).toEqual([200, 'updated']);
      expect((await send('delete', at(`/${seeded.name}`))).status).toBe(204);
    }
  });
}

describe('distribution sources are changed only through /v1/distributions (in-memory cluster, token mode)', () => {
  const tokens = parseTokensFile(`
- { caller: tenant, token: tenant-token-0123456789abcdef, namespaces: ['regcred-*', 'team-a'] }
- { caller: outsider, token: outsider-token-0123456789abcdef, namespaces: ['team-a'] }
`);
  sourceRefusals(async () => {
    const cluster = new MemoryCluster({ namespaces: ['default', 'team-a', 'regcred', 'regcred-two'] });
    const gatekeeper = tokenGatekeeper(tokens);
    const t = buildTestApp({ cluster, gatekeeper, config: { namespace: 'regcred', auth: gatekeeper.mode } });
    return {
      t,
      two: 'regcred-two',
      other: 'team-a',
      seed: async (secret) => cluster.seedSecret(secret),
      caller: 'tenant-token-0123456789abcdef',
      outsider: 'outsider-token-0123456789abcdef',
    };
  });
});

describe.skipIf(!realClusterAvailable())(
  'distribution sources are changed only through /v1/distributions (real kube-apiserver, kubernetes mode)',
  () => {
    let two: TestNamespace;
    let other: TestNamespace;
    beforeAll(async () => {
      [two, other] = await Promise.all([createTestNamespace('regcred-two'), createTestNamespace('sources-other')]);
      // alice may do everything with Secrets (and unlink ServiceAccounts) in both; bob nothing.
      for (const ns of [two, other]) {
        await grantSecrets(ns.name, 'alice', ['get', 'list', 'create', 'patch', 'delete']);
        await grantRights(ns.name, 'alice', 'serviceaccounts', ['get', 'list', 'patch']);
      }
    });
    afterAll(async () => {
      await Promise.all([two?.remove(), other?.remove()]);
    });

    sourceRefusals(async () => {
      // Secrets from the previous test go first: each test seeds its own.
      const cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });
      for (const ns of [two.name, other.name])
        for (const s of (await cluster.listSecrets(ns, { limit: 100 })).items) await cluster.deleteSecret(ns, s.name, s.uid!);
      const gatekeeper = kubernetesGatekeeper(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }), { ttlMs: 10_000 });
      const t = buildTestApp({ cluster, gatekeeper, config: { namespace: 'regcred', auth: 'kubernetes' } });
      return { t, two: two.name, other: other.name, seed: createSecretDirectly, caller: userToken('alice'), outsider: userToken('bob') };
    });
  },
);
