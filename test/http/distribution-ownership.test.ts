import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/domain/cluster.js';
import {
  CLEANUP_FINALIZER,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  INSTALLATION_ANNOTATION,
  type DistributionSpec,
} from '../../src/domain/distributions/distribution.js';
import { dockerConfigJsonData } from '../../src/domain/secret-manifest/render-secret.js';
import { clusterArenas, HTTP_MEMORY_ARENA, type ClusterArena } from '../support/cluster-arena.js';
import { fakeVerifier } from '../support/fake-verifier.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

// Who a distribution belongs to, and what its source is: proven by claims and UID bindings, and the
// views read nothing but regcred's own namespace.

const credentials = { server: 'registry.example.com', username: 'janedoe', password: 's3cr3t' };
const sourceOf = (name: string) => `distribution-${name}`;
const pullSecret = (namespace: string, name: string, username: string, labels: Record<string, string> = {}, annotations = {}) => ({
  namespace,
  name,
  type: 'kubernetes.io/dockerconfigjson',
  labels,
  annotations,
  data: dockerConfigJsonData([{ server: 'registry.example.com', username, password: 'not-yours' }]),
});

describe.each(clusterArenas(HTTP_MEMORY_ARENA))('distribution ownership through the API on %s', (_title, makeArena) => {
  let arena: ClusterArena;
  const madeElsewhere: { namespace: string; name: string }[] = [];
  beforeAll(async () => {
    arena = await makeArena();
  }, 60_000);
  afterAll(async () => {
    for (const { namespace, name } of madeElsewhere) {
      const secret = await arena.cluster.readSecret(namespace, name);
      if (secret) await arena.cluster.deleteSecret(namespace, name, secret.uid!);
    }
    await arena?.cleanup();
  }, 60_000);

  /** Records the namespaces the app reads Secrets in. */
  const reading = (cluster: Cluster, namespaces: string[]) =>
    new Proxy(cluster, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'readSecret')
          return (namespace: string, name: string) => (namespaces.push(namespace), target.readSecret(namespace, name));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const appWith = (cluster: Cluster = arena.cluster, namespace = arena.ownNamespace) =>
    buildTestApp({ cluster, distributions: arena.distributions, verifier: fakeVerifier, config: { namespace } }).app;
  /**
   * A PullSecretDistribution as `kubectl apply` stores it: no claim, no finalizer. It names this
   * installation, as one does where several run: other suites' controllers share the kit, and the
   * first to act would claim an object that names none.
   */
  const kubectlApply = (name: string, spec: Partial<DistributionSpec>, annotations: Record<string, string> = {}) =>
    arena.distributions.createDistribution({
      name,
      finalizers: [],
      labels: {},
      annotations,
      spec: {
        secretName: 'regcred',
        source: { secretName: sourceOf(name), namespace: arena.ownNamespace },
        namespaces: ['team-a'],
        serviceAccounts: [],
        ...spec,
      },
    });
  /** GET one, GET all and DELETE: the three answers that show a distribution. */
  const everyView = async (app: ReturnType<typeof appWith>, name: string) => {
    const one = await request(app).get(`/v1/distributions/${name}`);
    const all = await request(app).get('/v1/distributions');
    const deleted = await request(app).delete(`/v1/distributions/${name}`);
    for (const res of [one, all, deleted]) expectMatchesContract(res);
    expect([one.status, all.status, deleted.status]).toEqual([200, 200, 202]);
    return {
      texts: [one.text, all.text, deleted.text],
      views: [one.body, all.body.items.find((d: { name: string }) => d.name === name), deleted.body],
    };
  };

  it('when a distribution names a source in kube-system, then no view reads it: it is shown as managed by that installation, without registries', async () => {
    const name = arena.unique('names-kube-system');
    const secret = `victim-${name}`;
    madeElsewhere.push({ namespace: 'kube-system', name: secret });
    await arena.cluster.createSecret(pullSecret('kube-system', secret, 'kube-system-robot'));
    await kubectlApply(name, { source: { secretName: secret, namespace: 'kube-system' } });
    const read: string[] = [];
    const { texts, views } = await everyView(appWith(reading(arena.cluster, read)), name);
    for (const view of views) {
      expect(view).toMatchObject({
        installation: 'kube-system',
        source: { namespace: 'kube-system', secretName: secret },
        registries: [],
      });
      expect(view.warnings).toEqual(['managed by the regcred installation in namespace "kube-system"; its source is not read here']);
    }
    for (const text of texts) expect(text).not.toContain('kube-system-robot');
    expect(read.filter((ns) => ns !== arena.ownNamespace)).toEqual([]);
  });

  it("when a distribution in regcred's own namespace names another distribution's source, then its views show none of that source's registries", async () => {
    const payments = arena.unique('payments');
    expect(
      (
        await request(appWith())
          .put(`/v1/distributions/${payments}`)
          .send({ ...credentials, username: 'payments-robot', namespaces: ['team-a'] })
      ).status,
    ).toBe(201);
    const thief = arena.unique('thief');
    await kubectlApply(thief, { source: { secretName: sourceOf(payments), namespace: arena.ownNamespace } });
    const { views } = await everyView(appWith(), thief);
    for (const view of views) {
      expect(view).toMatchObject({ installation: arena.ownNamespace, registries: [] });
      expect(view.warnings).toEqual([expect.stringContaining(`is not labelled ${DISTRIBUTION_SOURCE_LABEL}=${thief}`)]);
      expect(JSON.stringify(view)).not.toContain('payments-robot');
    }
  });

  it('when the API creates a distribution, then it claims it for this installation and leaves the source unbound; a later PUT binds the source to the object', async () => {
    const name = arena.unique('claimed');
    const created = await request(appWith())
      .put(`/v1/distributions/${name}`)
      .send({ ...credentials, namespaces: ['team-a'] });
    expect(created.status).toBe(201);
    expect(created.body.installation).toBe(arena.ownNamespace);
    const cr = await arena.storedDistribution(name);
    expect(cr?.annotations[INSTALLATION_ANNOTATION]).toBe(arena.ownNamespace);
    expect(cr?.finalizers).toEqual([CLEANUP_FINALIZER]);
    expect((await arena.storedSource(sourceOf(name)))?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBeUndefined();

    const again = await request(appWith())
      .put(`/v1/distributions/${name}`)
      .send({ ...credentials, namespaces: ['team-a'] });
    expect(again.body.result).toBe('unchanged');
    const rotated = await request(appWith())
      .put(`/v1/distributions/${name}`)
      .send({ ...credentials, password: 'rotated', namespaces: ['team-a'] });
    expect(rotated.body.result).toBe('updated');
    expect((await arena.storedSource(sourceOf(name)))?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe(cr?.uid);
  });

  it('when a source is bound to an earlier object of the name, then the view shows no registries; a PUT replaces the credentials and rebinds it to the live object', async () => {
    const name = arena.unique('rebound');
    const stale = pullSecret(
      arena.ownNamespace,
      sourceOf(name),
      'earlier-robot',
      { [DISTRIBUTION_SOURCE_LABEL]: name },
      { [DISTRIBUTION_UID_ANNOTATION]: 'uid-of-an-earlier-object' },
    );
    await arena.cluster.createSecret(stale);
    const cr = await kubectlApply(name, {});
    const view = await request(appWith()).get(`/v1/distributions/${name}`);
    expect(view.body.registries).toEqual([]);
    expect(view.body.warnings).toEqual([expect.stringContaining('bound to an earlier distribution of this name')]);
    expect(view.text).not.toContain('earlier-robot');

    const put = await request(appWith())
      .put(`/v1/distributions/${name}`)
      .send({ ...credentials, namespaces: ['team-a'] });
    expectMatchesContract(put);
    expect(put.status).toBe(200);
    expect(put.body.registries).toMatchObject([{ username: 'janedoe' }]);
    expect((await arena.storedSource(sourceOf(name)))?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe(cr.uid);
    expect((await arena.storedDistribution(name))?.annotations[INSTALLATION_ANNOTATION]).toBe(arena.ownNamespace);
  });

  it('when a stale source is left with no object of its name, then the API writes it unbound (the controller binds it on first use)', async () => {
    const name = arena.unique('orphan-source');
    await arena.cluster.createSecret(
      pullSecret(
        arena.ownNamespace,
        sourceOf(name),
        'earlier-robot',
        { [DISTRIBUTION_SOURCE_LABEL]: name },
        { [DISTRIBUTION_UID_ANNOTATION]: 'gone' },
      ),
    );
    expect(
      (
        await request(appWith())
          .put(`/v1/distributions/${name}`)
          .send({ ...credentials, namespaces: ['team-a'] })
      ).status,
    ).toBe(201);
    expect((await arena.storedSource(sourceOf(name)))?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBeUndefined();
  });

  it('when another installation claimed the distribution, then a PUT is 409 and writes nothing, and the view names that installation without reading', async () => {
    const name = arena.unique('theirs');
    await kubectlApply(name, {}, { [INSTALLATION_ANNOTATION]: 'platform-regcred' });
    const put = await request(appWith())
      .put(`/v1/distributions/${name}`)
      .send({ ...credentials, namespaces: ['team-b'] });
    expectMatchesContract(put);
    expect(put.status).toBe(409);
    expect(put.body.detail).toBe(
      `pullsecretdistribution "${name}" is managed by the regcred installation in namespace "platform-regcred"; change it there`,
    );
    expect(await arena.storedSource(sourceOf(name))).toBeUndefined();
    expect((await arena.storedDistribution(name))?.spec?.namespaces).toEqual(['team-a']);
    const read: string[] = [];
    const view = await request(appWith(reading(arena.cluster, read))).get(`/v1/distributions/${name}`);
    expect(view.body).toMatchObject({ installation: 'platform-regcred', registries: [] });
    expect(read).toEqual([]);
  });

  it('when a PUT goes over a kubectl-made distribution with spec.verify, then verify stays and the object is claimed', async () => {
    const name = arena.unique('verified');
    await kubectlApply(name, { verify: 'required' });
    const put = await request(appWith())
      .put(`/v1/distributions/${name}`)
      .send({ ...credentials, namespaces: ['team-a', 'team-b'] });
    expectMatchesContract(put);
    expect(put.status, put.text).toBe(200);
    const cr = await arena.storedDistribution(name);
    expect(cr?.spec).toMatchObject({ verify: 'required', namespaces: ['team-a', 'team-b'] });
    expect(cr?.annotations[INSTALLATION_ANNOTATION]).toBe(arena.ownNamespace);
    const again = await request(appWith())
      .put(`/v1/distributions/${name}`)
      .send({ ...credentials, namespaces: ['team-a', 'team-b'] });
    expect(again.body.result).toBe('unchanged');
  });
});
