import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/domain/cluster.js';
import type { SecretDraft } from '../../src/domain/kubernetes/secret.js';
import { SERVICE_ACCOUNT_PAGE } from '../../src/domain/pull-secrets/service-account-pages.js';
import type { Metrics } from '../../src/metrics.js';
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { uniqueName } from '../support/real-cluster.js';
import { buildTestApp } from '../support/test-app.js';

// How many API calls a request makes: the work issue 20 took out of the request paths, counted on
// both clusters through the instrumented port (one count per port call, as /metrics shows them).

const credentials = { server: 'registry.example.com', username: 'janedoe', password: 'pw-not-shown' };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Port calls the app made, by `verb resource`, e.g. `get secrets`. */
async function callsOf(metrics: Metrics): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { metricName, labels, value } of (await metrics.kubernetesRequestDuration.get()).values) {
    if (!metricName?.endsWith('_count') || value === 0) continue;
    const key = `${labels.verb} ${labels.resource}`;
    counts[key] = (counts[key] ?? 0) + value;
  }
  return counts;
}

describe.each(clusterArenas())('API calls per request on %s', (_title, makeArena) => {
  let arena: ClusterArena;
  let namespace: string;
  beforeEach(async () => {
    arena = await makeArena();
    namespace = uniqueName('calls');
    await arena.createNamespace(namespace);
  });
  afterEach(async () => arena.cleanup());

  const appOver = (cluster: Cluster = arena.cluster) => buildTestApp({ cluster });
  const putSecret = (app: ReturnType<typeof appOver>, body: object, query = '') =>
    request(app.app).put(`/v1/namespaces/${namespace}/pullsecrets/regcred${query}`).send(body);
  const stored = () => arena.cluster.readSecret(namespace, 'regcred');

  describe('PUT of a pull secret', () => {
    it('when the secret is new, then it is created with exactly one call: no read before', async () => {
      const t = appOver();
      const res = await putSecret(t, credentials);
      expect([res.status, res.body.result]).toEqual([201, 'created']);
      expect(await callsOf(t.metrics)).toEqual({ 'create secrets': 1 });
      expect(await stored()).toMatchObject({ type: 'kubernetes.io/dockerconfigjson' });
    });

    it('when it exists, then it is updated (create refused, read, conditional replace); the next update of it is one call', async () => {
      await arena.seedSecret({
        name: 'regcred',
        namespace,
        type: 'kubernetes.io/dockerconfigjson',
        labels: { team: 'payments' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":"copy"}' },
        data: { '.dockerconfigjson': b64('{"auths":{}}') },
      });
      const t = appOver();
      const first = await putSecret(t, credentials);
      expect([first.status, first.body.result]).toEqual([200, 'updated']);
      expect(first.body.warnings.join(' ')).toContain('removed the kubectl.kubernetes.io/last-applied-configuration annotation');
      expect(await callsOf(t.metrics)).toEqual({ 'create secrets': 1, 'get secrets': 1, 'patch secrets': 1 });
      const second = await putSecret(t, { ...credentials, password: 'rotated' });
      expect([second.status, second.body.result]).toEqual([200, 'updated']);
      expect(await callsOf(t.metrics)).toEqual({ 'create secrets': 1, 'get secrets': 1, 'patch secrets': 2 });
      const secret = await stored();
      expect(secret?.labels).toMatchObject({ team: 'payments' });
      expect(Object.keys(secret?.annotations ?? {})).not.toContain('kubectl.kubernetes.io/last-applied-configuration');
      expect(Buffer.from(secret!.data['.dockerconfigjson']!, 'base64').toString()).toContain(b64('janedoe:rotated'));
    });

    it('when nothing changed, then the answer is unchanged and nothing is written, even when this process wrote it last', async () => {
      const t = appOver();
      await putSecret(t, credentials);
      const before = await stored();
      const again = await putSecret(t, credentials);
      expect([again.status, again.body.result]).toEqual([200, 'unchanged']);
      expect(await callsOf(t.metrics)).toEqual({ 'create secrets': 1, 'get secrets': 1 });
      expect(await stored()).toEqual(before);
    });

    it('when someone else changed it after this process wrote it, then the guess is refused, it is read again and their label kept', async () => {
      const t = appOver();
      await putSecret(t, credentials);
      const current = (await stored())!;
      await arena.cluster.replaceSecret({
        ...current,
        labels: { ...current.labels, theirs: 'kept' },
        resourceVersion: current.resourceVersion!,
      });
      const res = await putSecret(t, { ...credentials, password: 'rotated' });
      expect([res.status, res.body.result]).toEqual([200, 'updated']);
      expect((await stored())?.labels).toMatchObject({ theirs: 'kept', 'app.kubernetes.io/managed-by': 'regcred' });
    });

    it('when a Secret of another type has the name, then 409 as before, and it is left as it was', async () => {
      const foreign = await arena.seedSecret({
        name: 'regcred',
        namespace,
        type: 'Opaque',
        labels: {},
        annotations: {},
        data: { token: b64('x') },
      });
      const t = appOver();
      const res = await putSecret(t, credentials);
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe(
        `secret "regcred" in namespace "${namespace}" exists with type "Opaque", not kubernetes.io/dockerconfigjson; regcred never overwrites other Secrets: choose another name or remove that Secret yourself`,
      );
      expect(await stored()).toEqual(foreign);
    });

    it('when someone creates the secret between the check and the create, then it is updated (a pull secret) or refused (another type)', async () => {
      let other: Omit<SecretDraft, 'name' | 'namespace'> = {
        type: 'kubernetes.io/dockerconfigjson',
        labels: { by: 'someone-else' },
        annotations: {},
        data: { '.dockerconfigjson': b64('{"auths":{}}') },
      };
      const racing = Object.assign(Object.create(arena.cluster) as Cluster, {
        createSecret: async (draft: SecretDraft, options?: { dryRun?: boolean }) => {
          await arena.cluster.createSecret({ ...other, name: draft.name, namespace: draft.namespace });
          return arena.cluster.createSecret(draft, options);
        },
      });
      const res = await putSecret(appOver(racing), credentials);
      expect([res.status, res.body.result]).toEqual([200, 'updated']);
      expect((await stored())?.labels).toMatchObject({ by: 'someone-else', 'app.kubernetes.io/managed-by': 'regcred' });

      other = { type: 'Opaque', labels: {}, annotations: {}, data: { token: b64('x') } };
      const elsewhere = await request(appOver(racing).app).put(`/v1/namespaces/${namespace}/pullsecrets/other`).send(credentials);
      expect(elsewhere.status).toBe(409);
      expect((await arena.cluster.readSecret(namespace, 'other'))?.type).toBe('Opaque');
    });

    it('when dryRun=server, then a new secret is reported created and an existing one updated, and nothing is stored', async () => {
      const t = appOver();
      const created = await putSecret(t, credentials, '?dryRun=server');
      expect([created.status, created.body.result, created.body.dryRun]).toEqual([201, 'created', true]);
      expect(await stored()).toBeUndefined();
      await putSecret(t, credentials);
      const before = await stored();
      const updated = await putSecret(t, { ...credentials, password: 'rotated' }, '?dryRun=server');
      expect([updated.status, updated.body.result, updated.body.dryRun]).toEqual([200, 'updated', true]);
      expect(await stored()).toEqual(before);
      // The dry run did not make this process forget or misremember the real write: the next update is still one call.
      const real = await putSecret(t, { ...credentials, password: 'rotated' });
      expect(real.body.result).toBe('updated');
      expect((await callsOf(t.metrics))['patch secrets']).toBe(2);
    });
  });

  describe('linking ServiceAccounts', () => {
    beforeEach(async () => {
      await arena.seedServiceAccount({ namespace, name: 'default', imagePullSecrets: ['first'] });
      await arena.seedServiceAccount({ namespace, name: 'builder' });
    });

    it('when a PUT links two ServiceAccounts, then each is read once and written once', async () => {
      const t = appOver();
      const res = await putSecret(t, { ...credentials, serviceAccounts: ['default', 'builder'] });
      expect(res.body.serviceAccountLinks).toEqual([
        { serviceAccount: 'default', result: 'linked' },
        { serviceAccount: 'builder', result: 'linked' },
      ]);
      expect(await callsOf(t.metrics)).toEqual({ 'create secrets': 1, 'get serviceaccounts': 2, 'patch serviceaccounts': 2 });
      expect((await arena.cluster.readServiceAccount(namespace, 'default'))?.imagePullSecrets).toEqual(['first', 'regcred']);
    });

    it('when a fan-out links two ServiceAccounts in each of two namespaces, then each is read once and written once', async () => {
      const second = uniqueName('calls');
      await arena.createNamespace(second);
      await arena.seedServiceAccount({ namespace: second, name: 'default' });
      await arena.seedServiceAccount({ namespace: second, name: 'builder' });
      const t = appOver();
      const res = await request(t.app)
        .put('/v1/pullsecrets/regcred')
        .send({ ...credentials, namespaces: [namespace, second], serviceAccounts: ['default', 'builder'] });
      expect(res.body.summary).toMatchObject({ created: 2, failed: 0, linkFailed: 0 });
      expect(await callsOf(t.metrics)).toMatchObject({ 'create secrets': 2, 'get serviceaccounts': 4, 'patch serviceaccounts': 4 });
    });

    it('when someone changes a ServiceAccount between the check and the link, then the write is refused, it is read again and their entry kept', async () => {
      const racing = Object.assign(Object.create(arena.cluster) as Cluster, {
        createSecret: async (draft: SecretDraft, options?: { dryRun?: boolean }) => {
          const account = (await arena.cluster.readServiceAccount(namespace, 'default'))!;
          await arena.cluster.setServiceAccountPullSecrets(
            namespace,
            'default',
            [...account.imagePullSecrets, 'theirs'],
            account.resourceVersion!,
          );
          return arena.cluster.createSecret(draft, options);
        },
      });
      const res = await putSecret(appOver(racing), { ...credentials, serviceAccounts: ['default'] });
      expect(res.body.serviceAccountLinks).toEqual([{ serviceAccount: 'default', result: 'linked' }]);
      expect((await arena.cluster.readServiceAccount(namespace, 'default'))?.imagePullSecrets).toEqual(['first', 'theirs', 'regcred']);
    });

    it('when DELETE unlinks, then the ServiceAccounts are listed once and each referencing one written once, none read again', async () => {
      await putSecret(appOver(), { ...credentials, serviceAccounts: ['default', 'builder'] });
      const t = appOver();
      const res = await request(t.app).delete(`/v1/namespaces/${namespace}/pullsecrets/regcred?unlink=true`);
      expect(res.status).toBe(200);
      expect(await callsOf(t.metrics)).toEqual({
        'get secrets': 1,
        'list serviceaccounts': 1,
        'patch serviceaccounts': 2,
        'delete secrets': 1,
      });
    });
  });

  describe('referencedBy', () => {
    it(`when a namespace has more ServiceAccounts than one page (${SERVICE_ACCOUNT_PAGE}), then they are listed a page at a time and every reference is found`, async () => {
      const names = Array.from({ length: SERVICE_ACCOUNT_PAGE + 10 }, (_, i) => `sa-${String(i).padStart(4, '0')}`);
      const referencing = new Set([names[0], names[SERVICE_ACCOUNT_PAGE - 1], names[SERVICE_ACCOUNT_PAGE + 5]]);
      for (let i = 0; i < names.length; i += 20) {
        await Promise.all(
          names
            .slice(i, i + 20)
            .map((name) =>
              arena.seedServiceAccount({ namespace, name, imagePullSecrets: referencing.has(name) ? ['other', 'regcred'] : ['other'] }),
            ),
        );
      }
      await putSecret(appOver(), credentials);
      const t = appOver();
      const one = await request(t.app).get(`/v1/namespaces/${namespace}/pullsecrets/regcred`);
      expect(one.body.referencedBy).toEqual([...referencing].sort());
      const list = await request(t.app).get(`/v1/namespaces/${namespace}/pullsecrets`);
      expect(list.body.items.map((item: { name: string; referencedBy: string[] }) => [item.name, item.referencedBy])).toEqual([
        ['regcred', [...referencing].sort()],
      ]);
      expect((await callsOf(t.metrics))['list serviceaccounts']).toBe(4);
    });
  });
});
