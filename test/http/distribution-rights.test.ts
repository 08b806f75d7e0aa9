import { RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesAccessReviewer } from '../../src/cluster/kubernetes/reviews.js';
import type { AccessReviewer, KubernetesIdentity, Permission } from '../../src/domain/access/access-policy.js';
import { kubernetesGatekeeper, openGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import { DISTRIBUTION_GROUP, DISTRIBUTION_PLURAL } from '../../src/domain/distributions/distribution.js';
import { clusterArenas, HTTP_MEMORY_ARENA, type ClusterArena } from '../support/cluster-arena.js';
import { fakeVerifier } from '../support/fake-verifier.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { eventually } from '../support/poll.js';
import { adminKubeConfig, freshKitIdentity, uniqueName, type KitIdentity } from '../support/real-cluster.js';
import { buildTestApp } from '../support/test-app.js';

// Kubernetes mode: a distribution makes the controller write pull secrets and link ServiceAccounts in
// every namespace it targets, with regcred's rights; the caller must hold those rights itself, cluster-wide.

const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'first-password' };
const dockerConfig = JSON.stringify({ auths: { 'ghcr.io': { auth: Buffer.from('bot:pw').toString('base64') } } });
const DISTRIBUTIONS_ALL: V1PolicyRule = {
  apiGroups: [DISTRIBUTION_GROUP],
  resources: [DISTRIBUTION_PLURAL],
  verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
};
const rule = (resource: 'secrets' | 'serviceaccounts', ...verbs: string[]): V1PolicyRule => ({
  apiGroups: [''],
  resources: [resource],
  verbs,
});

/** A kubernetes-mode caller whose cluster-wide rights a test grows. */
interface Grantee {
  gatekeeper: Gatekeeper;
  authorization: string;
  grant(...rules: V1PolicyRule[]): Promise<void>;
  revokeAll(): Promise<void>;
  /** Memory only: the namespace of every review asked. */
  reviewedNamespaces?: string[];
}

function memoryGrantee(): Grantee {
  const granted = new Set<string>();
  const reviewedNamespaces: string[] = [];
  const key = ({ verb, resource, group }: Permission) => `${group ?? ''}/${resource}:${verb}`;
  const reviewer: AccessReviewer = {
    reviewToken: async (token) => (token === 'alice-token' ? { username: 'alice', groups: [] } : undefined),
    reviewAccess: async (_identity, permission, namespace) => {
      reviewedNamespaces.push(namespace);
      return granted.has(key(permission));
    },
  };
  return {
    gatekeeper: kubernetesGatekeeper(reviewer, { ttlMs: 0 }),
    authorization: 'Bearer alice-token',
    reviewedNamespaces,
    grant: async (...rules) => {
      for (const r of rules)
        for (const verb of r.verbs) granted.add(key({ verb, resource: r.resources![0], group: r.apiGroups![0] } as Permission));
    },
    revokeAll: async () => granted.clear(),
  };
}

/**
 * A ServiceAccount of this file's own on the kit (cluster-wide grants to a shared user would reach
 * other suites running meanwhile): each grant a ClusterRole and ClusterRoleBinding, awaited until
 * the authorizer sees it.
 */
function kitGrantee(arena: ClusterArena, caller: KitIdentity): Grantee {
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const reviewer = new KubernetesAccessReviewer(adminKubeConfig(), { timeoutMs: 5000 });
  const alice: KubernetesIdentity = { username: caller.username, groups: caller.groups };
  const roles: string[] = [];
  const granted: Permission[] = [];
  const sees = (expected: boolean) =>
    eventually(async () => {
      for (const p of granted) expect(await reviewer.reviewAccess(alice, p, ''), `${p.verb} ${p.resource}`).toBe(expected);
    });
  return {
    gatekeeper: arena.kubernetesGatekeeper!(),
    authorization: `Bearer ${caller.token}`,
    grant: async (...rules) => {
      const name = uniqueName('psd-rights');
      roles.push(name);
      await rbac.createClusterRole({ body: { metadata: { name }, rules } });
      await rbac.createClusterRoleBinding({
        body: {
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
          subjects: [caller.subject],
        },
      });
      for (const r of rules)
        for (const verb of r.verbs) granted.push({ verb, resource: r.resources![0], group: r.apiGroups![0] } as Permission);
      await sees(true);
    },
    revokeAll: async () => {
      for (const name of roles.splice(0)) {
        await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
        await rbac.deleteClusterRole({ name }).catch(() => undefined);
      }
      await sees(false);
      granted.splice(0);
    },
  };
}

describe.each(clusterArenas(HTTP_MEMORY_ARENA))(
  '/v1/distributions in kubernetes mode on %s: the caller needs the rights the controller uses',
  (title, makeArena) => {
    let arena: ClusterArena;
    let grantee: Grantee;
    let caller: KitIdentity | undefined;
    beforeAll(async () => {
      arena = await makeArena();
      if (title.startsWith('a real')) caller = await freshKitIdentity('psd-rights');
      grantee = caller ? kitGrantee(arena, caller) : memoryGrantee();
    }, 60_000);
    afterEach(async () => grantee?.revokeAll(), 30_000);
    afterAll(async () => {
      await caller?.remove();
      await arena?.cleanup();
    }, 60_000);

    const appWith = (gatekeeper = grantee.gatekeeper) =>
      buildTestApp({
        cluster: arena.cluster,
        distributions: arena.distributions,
        verifier: fakeVerifier,
        gatekeeper,
        config: { namespace: arena.ownNamespace, auth: gatekeeper.mode, cloud: { allow: ['acr:payments.azurecr.io'], timeoutMs: 20_000 } },
      }).app;
    const as = (req: request.Test) => req.set('Authorization', grantee.authorization);
    const putJson = (name: string, body: object) => as(request(appWith()).put(`/v1/distributions/${name}`)).send(body);
    const putUpload = (name: string, query: string) =>
      as(request(appWith()).put(`/v1/distributions/${name}/dockerconfig?${query}`)).attach(
        'config',
        Buffer.from(dockerConfig),
        'config.json',
      );
    const sourceOf = (name: string) => `distribution-${name}`;

    it('when the caller may write pullsecretdistributions but not Secrets everywhere, then a PUT is 403 before its body is read and nothing is written; with Secrets create and patch it is 201', async () => {
      const name = arena.unique('rights-put');
      await grantee.grant(DISTRIBUTIONS_ALL, rule('secrets', 'create'));
      for (const res of [
        await putJson(name, { ...credentials, namespaces: ['team-a'] }),
        await putJson(name, { not: 'even valid' }),
        await putUpload(name, 'namespaces=team-a'),
      ]) {
        expectMatchesContract(res);
        expect(res.status).toBe(403);
        expect(res.body.detail).toContain('regcred-distribution-editor');
      }
      expect(await arena.storedDistribution(name)).toBeUndefined();
      expect(await arena.storedSource(sourceOf(name))).toBeUndefined();

      await grantee.grant(rule('secrets', 'patch'));
      const created = await putJson(name, { ...credentials, namespaces: ['team-a'] });
      expectMatchesContract(created);
      expect(created.status).toBe(201);
      expect((await putUpload(name, 'namespaces=team-a')).status).toBe(200);
    });

    it('when the body has a cloud source, then the same rights apply: 403 before the allow-list or the body is looked at, 201 with Secrets create and patch', async () => {
      const name = arena.unique('rights-cloud');
      await grantee.grant(DISTRIBUTIONS_ALL, rule('secrets', 'create'));
      for (const acr of [{ hosts: ['payments.azurecr.io'] }, { hosts: ['not-allowed.azurecr.io'] }]) {
        const res = await putJson(name, { acr, namespaces: ['team-a'] });
        expectMatchesContract(res);
        expect(res.status).toBe(403);
      }
      expect(await arena.storedDistribution(name)).toBeUndefined();

      await grantee.grant(rule('secrets', 'patch'));
      const created = await putJson(name, { acr: { hosts: ['payments.azurecr.io'] }, namespaces: ['team-a'] });
      expectMatchesContract(created);
      expect(created.status).toBe(201);
      expect(await arena.storedSource(sourceOf(name))).toBeUndefined();
    });

    it('when the distribution links ServiceAccounts, then the caller also needs serviceaccounts get and patch everywhere; without, 403 and nothing changes', async () => {
      const name = arena.unique('rights-link');
      await grantee.grant(DISTRIBUTIONS_ALL, rule('secrets', 'create', 'patch'), rule('serviceaccounts', 'get'));
      expect((await putJson(name, { ...credentials, namespaces: ['team-a'] })).status).toBe(201);
      const before = await arena.storedSource(sourceOf(name));
      const linking = { ...credentials, password: 'second-password', namespaces: ['team-a'], serviceAccounts: ['default'] };
      for (const res of [await putJson(name, linking), await putUpload(name, 'namespaces=team-a&serviceAccounts=*')]) {
        expectMatchesContract(res);
        expect(res.status).toBe(403);
      }
      expect((await arena.storedSource(sourceOf(name)))?.data).toEqual(before?.data);
      expect((await arena.storedDistribution(name))?.spec?.serviceAccounts).toEqual([]);

      await grantee.grant(rule('serviceaccounts', 'patch'));
      const linked = await putJson(name, linking);
      expect(linked.status).toBe(200);
      expect(linked.body).toMatchObject({ result: 'updated', serviceAccounts: ['default'] });
    });

    it('when a DELETE is asked, then it needs Secrets delete, and ServiceAccounts patch unless orphan=true; refused, the distribution stays as it was', async () => {
      const [plain, orphaned] = [arena.unique('rights-delete'), arena.unique('rights-orphan')];
      const open = appWith(openGatekeeper());
      for (const name of [plain, orphaned])
        expect(
          (
            await request(open)
              .put(`/v1/distributions/${name}`)
              .send({ ...credentials, namespaces: ['team-a'] })
          ).status,
        ).toBe(201);
      const del = (name: string, query = '') => as(request(appWith()).delete(`/v1/distributions/${name}${query}`));

      await grantee.grant(DISTRIBUTIONS_ALL, rule('serviceaccounts', 'patch'));
      expect((await del(plain)).status).toBe(403);
      expect((await del(orphaned, '?orphan=true')).status).toBe(403);
      await grantee.revokeAll();
      await grantee.grant(DISTRIBUTIONS_ALL, rule('secrets', 'delete'));
      const refused = await del(plain);
      expectMatchesContract(refused);
      expect(refused.status).toBe(403);
      expect((await arena.storedDistribution(plain))?.deletionTimestamp).toBeUndefined();
      expect((await del(orphaned, '?orphan=true')).status).toBe(202);

      await grantee.grant(rule('serviceaccounts', 'patch'));
      const deleted = await del(plain);
      expectMatchesContract(deleted);
      expect(deleted.status).toBe(202);
      expect((await arena.storedDistribution(plain))?.deletionTimestamp).toBeTruthy();
    });

    it.skipIf(title.startsWith('a real'))(
      'then every review a distribution call asks is cluster-scoped (one for all namespaces)',
      async () => {
        await grantee.grant(DISTRIBUTIONS_ALL, rule('secrets', 'create', 'patch', 'delete'), rule('serviceaccounts', 'get', 'patch'));
        const name = arena.unique('rights-scope');
        expect((await putJson(name, { ...credentials, namespaces: ['team-a'], serviceAccounts: ['*'] })).status).toBe(201);
        expect((await as(request(appWith()).delete(`/v1/distributions/${name}`))).status).toBe(202);
        expect(grantee.reviewedNamespaces!.length).toBeGreaterThan(0);
        expect(new Set(grantee.reviewedNamespaces)).toEqual(new Set(['']));
      },
    );
  },
);
