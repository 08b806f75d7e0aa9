import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { deniedNamespaces } from '../../src/domain/access/denied-namespaces.js';
import { kubernetesGatekeeper, openGatekeeper, tokenGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import { DISTRIBUTION_SOURCE_LABEL } from '../../src/domain/distributions/distribution.js';
import { ROUTES } from '../../src/http/routes.js';
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

const OWN = 'regcred';
const credentials = { server: 'registry.example.com', username: 'intruder', password: 'intruder-password' };
const SOURCE = { name: 'distribution-payments', labels: { [DISTRIBUTION_SOURCE_LABEL]: 'payments' } };

const tokens = parseTokensFile(`
- { caller: exact, token: exact-token-0123456789abcdef, namespaces: ['regcred'] }
- { caller: everything, token: everything-token-0123456789abcdef, namespaces: ['*'] }
- { caller: glob, token: glob-token-0123456789abcdef, namespaces: ['reg*'] }
`);
/** Kubernetes mode whose RBAC allows everything, everywhere: only the deny list can refuse. */
const allowingReviewer = {
  reviewToken: async () => ({ username: 'cluster-admin', groups: ['system:masters'] }),
  reviewAccess: async () => true,
};
const callers: [string, Gatekeeper, string | undefined][] = [
  ['none mode', openGatekeeper(), undefined],
  ['a token granted "regcred"', tokenGatekeeper(tokens), 'exact-token-0123456789abcdef'],
  ['a token granted "*"', tokenGatekeeper(tokens), 'everything-token-0123456789abcdef'],
  ['a token granted "reg*"', tokenGatekeeper(tokens), 'glob-token-0123456789abcdef'],
  ['kubernetes mode, RBAC allowing everything', kubernetesGatekeeper(allowingReviewer, { ttlMs: 0 }), 'any-kubernetes-token'],
];

/** Every /v1/namespaces/{namespace}/… route, with its method and a path in `namespace`. */
const namespacedRoutes = (namespace: string) =>
  ROUTES.filter((r) => r.path.includes('{namespace}')).map((r) => ({
    method: r.method,
    path: r.path.replace('{namespace}', namespace).replace('{name}', SOURCE.name),
  }));

const auditLines = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true);

describe("regcred's own namespace is out of every caller's reach", () => {
  it('then the effective deny list is the configured one plus the own namespace, once', () => {
    expect(deniedNamespaces({ denyNamespaces: ['kube-system'], namespace: 'regcred' })).toEqual(['kube-system', 'regcred']);
    expect(deniedNamespaces({ denyNamespaces: ['regcred'], namespace: 'regcred' })).toEqual(['regcred']);
  });

  describe.each(callers)('for %s', (_title, gatekeeper, token) => {
    const build = () => {
      const cluster = new MemoryCluster({ namespaces: ['default', 'team-a', 'kube-system', OWN] });
      cluster.seedSecret({
        ...SOURCE,
        namespace: OWN,
        type: 'kubernetes.io/dockerconfigjson',
        annotations: {},
        data: { '.dockerconfigjson': 'e30=' },
      });
      const t = buildTestApp({ cluster, gatekeeper, config: { namespace: OWN, auth: gatekeeper.mode } });
      const send = (method: string, path: string, body: object = { ...credentials, name: 'x' }) => {
        const req = request(t.app)[method as 'get'](path);
        if (token) req.set('Authorization', `Bearer ${token}`);
        return method === 'get' || method === 'delete' ? req : req.send(body);
      };
      return { t, cluster, send };
    };

    it('when any /v1/namespaces/{namespace}/… route names it, read or write, then 403 exactly as for a deny-listed namespace, audited denied-namespace', async () => {
      const { t, cluster, send } = build();
      const before = await cluster.readSecret(OWN, SOURCE.name);
      const denyListed = namespacedRoutes('kube-system');
      const own = namespacedRoutes(OWN);
      expect(own.length).toBeGreaterThanOrEqual(8);
      for (const [i, { method, path }] of own.entries()) {
        const res = await send(method, path);
        const reference = await send(method, denyListed[i].path);
        expectMatchesContract(res);
        expect([method, path, res.status, res.type]).toEqual([method, path, 403, 'application/problem+json']);
        expect(res.status).toBe(reference.status);
        expect(res.body.detail).toBe(reference.body.detail.replace('"kube-system"', `"${OWN}"`));
      }
      const ownAudits = auditLines(t.logLines).filter((l) => l.namespace === OWN);
      expect(ownAudits).toHaveLength(own.length);
      for (const line of ownAudits) expect(line).toMatchObject({ result: 'denied', reason: 'denied-namespace' });
      expect(await cluster.readSecret(OWN, SOURCE.name)).toEqual(before);
      expect((await cluster.listSecrets(OWN, { limit: 100 })).items.map((s) => s.name)).toEqual([SOURCE.name]);
    });

    it('when a many-namespace write names it or its selector matches it, then it is treated as a deny-listed namespace, and nothing is written in it', async () => {
      const { cluster, send } = build();
      for (const url of ['/v1/pullsecrets/distribution-payments', '/v1/pullsecrets/regcred']) {
        const named = await send('put', url, { ...credentials, namespaces: [OWN, 'kube-system'] });
        expectMatchesContract(named);
        expect(named.status).toBe(207);
        expect(named.body.results).toEqual([
          { namespace: OWN, result: 'forbidden', reason: named.body.results[1].reason },
          { namespace: 'kube-system', result: 'forbidden', reason: expect.any(String) },
        ]);
        // Every namespace matches an empty-valued "exists" selector: the own one and the deny-listed one go unmentioned.
        const selected = await send('put', url, { ...credentials, namespaceSelector: '!nothing-has-this-label' });
        expectMatchesContract(selected);
        const mentioned = selected.body.results.map((r: { namespace: string }) => r.namespace);
        expect(mentioned).not.toContain(OWN);
        expect(mentioned).not.toContain('kube-system');
      }
      expect((await cluster.readSecret(OWN, SOURCE.name))?.labels).toEqual(SOURCE.labels);
      expect((await cluster.listSecrets(OWN, { limit: 100 })).items.map((s) => s.name)).toEqual([SOURCE.name]);
    });
  });
});

describe.skipIf(!realClusterAvailable())("regcred's own namespace on a real kube-apiserver, kubernetes mode", () => {
  let own: TestNamespace;
  let other: TestNamespace;
  beforeAll(async () => {
    [own, other] = await Promise.all([createTestNamespace('own'), createTestNamespace('not-own')]);
    // alice may do everything with Secrets in both: only regcred's own namespace tells them apart.
    for (const ns of [own, other]) await grantSecrets(ns.name, 'alice', ['get', 'list', 'create', 'patch', 'delete']);
  });
  afterAll(async () => {
    await Promise.all([own?.remove(), other?.remove()]);
  });

  it("when a caller whose RBAC allows Secrets in regcred's namespace reads or writes there, then 403 and nothing is written; elsewhere it may", async () => {
    const gatekeeper = kubernetesGatekeeper(new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 }), { ttlMs: 0 });
    const cluster = new KubernetesCluster(adminKubeConfig(), { timeoutMs: 5000 });
    const t = buildTestApp({ cluster, gatekeeper, config: { namespace: own.name, auth: 'kubernetes' } });
    const alice = { Authorization: `Bearer ${userToken('alice')}` };
    const put = (ns: string) => request(t.app).put(`/v1/namespaces/${ns}/pullsecrets/${SOURCE.name}`).set(alice).send(credentials);
    const list = (ns: string) => request(t.app).get(`/v1/namespaces/${ns}/pullsecrets`).set(alice);

    for (const res of [await put(own.name), await list(own.name)]) {
      expectMatchesContract(res);
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe(`you may not manage pull secrets in namespace "${own.name}" through regcred`);
    }
    expect(await cluster.readSecret(own.name, SOURCE.name)).toBeUndefined();
    expect(auditLines(t.logLines).filter((l) => l.namespace === own.name)).toEqual([
      expect.objectContaining({ result: 'denied', reason: 'denied-namespace', caller: 'alice' }),
      expect.objectContaining({ result: 'denied', reason: 'denied-namespace', caller: 'alice' }),
    ]);
    expect((await put(other.name)).status).toBe(201);
    expect((await list(other.name)).status).toBe(200);
  });
});
