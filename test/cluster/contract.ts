import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeedSecret } from '../../src/cluster/memory/cluster.js';
import {
  AlreadyExistsError,
  ContinueTokenError,
  NamespaceNotFoundError,
  SecretNotFoundError,
  StaleWriteError,
  type Cluster,
} from '../../src/domain/cluster.js';
import type { SecretDraft, SecretObject } from '../../src/domain/kubernetes/secret.js';
import { UpstreamError, ValidationError } from '../../src/errors.js';

/** One cluster, prepared for one test. */
export interface ClusterFixture {
  cluster: Cluster;
  /** Exists and is empty. */
  namespace: string;
  /** Does not exist. */
  missingNamespace: string;
  /** Stores a Secret behind the port's back, e.g. an immutable one. */
  seedSecret(seed: SeedSecret): Promise<SecretObject>;
  cleanup(): Promise<void>;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const PULL_SECRET_DATA = { '.dockerconfigjson': b64('{"auths":{"registry.example.com":{"auth":"dTpw"}}}') };

/** The semantics every Cluster adapter must share; run against each of them. */
export function describeClusterContract(name: string, makeFixture: () => Promise<ClusterFixture>): void {
  describe(`${name}: the Cluster contract`, () => {
    let f: ClusterFixture;
    let cluster: Cluster;
    beforeEach(async () => {
      f = await makeFixture();
      cluster = f.cluster;
    });
    afterEach(async () => f.cleanup());

    const draft = (overrides: Partial<SecretDraft> = {}): SecretDraft => ({
      name: 'regcred',
      namespace: f.namespace,
      type: 'Opaque',
      labels: { 'app.kubernetes.io/managed-by': 'regcred' },
      annotations: { note: 'contract' },
      data: { token: b64('s3cr3t') },
      ...overrides,
    });

    describe('reading and listing', () => {
      it('when a Secret is created, then it reads back as written, with uid, resourceVersion and creation time', async () => {
        const created = await cluster.createSecret(draft());
        const read = await cluster.readSecret(f.namespace, 'regcred');
        expect(read).toEqual(created);
        expect(read).toMatchObject({ ...draft(), immutable: false });
        expect(read?.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(read?.resourceVersion).toMatch(/^\d+$/);
        expect(read?.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      });

      it('when nothing has that name, then reading gives undefined, also in a namespace that does not exist', async () => {
        expect(await cluster.readSecret(f.namespace, 'absent')).toBeUndefined();
        expect(await cluster.readSecret(f.missingNamespace, 'absent')).toBeUndefined();
      });

      it('lists the Secrets of one namespace by name, and nothing for a namespace that does not exist', async () => {
        await cluster.createSecret(draft({ name: 'b' }));
        await cluster.createSecret(draft({ name: 'a', labels: {}, annotations: {} }));
        const page = await cluster.listSecrets(f.namespace, { limit: 10 });
        expect(page.items.map((s) => s.name)).toEqual(['a', 'b']);
        expect(page.items[0]).toMatchObject({ labels: {}, annotations: {}, immutable: false });
        expect(page.continue).toBeUndefined();
        expect(await cluster.listSecrets(f.missingNamespace, { limit: 10 })).toEqual({ items: [] });
      });

      it('when asked for one type, then only Secrets of that type come, a page of `limit` at a time, each page going on from the last', async () => {
        for (const name of ['p1', 'p2', 'p3', 'p4', 'p5'])
          await cluster.createSecret(draft({ name, type: 'kubernetes.io/dockerconfigjson', data: PULL_SECRET_DATA }));
        for (const name of ['o1', 'o3', 'p0', 'p35', 'z']) await cluster.createSecret(draft({ name }));
        const names: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await cluster.listSecrets(f.namespace, { type: 'kubernetes.io/dockerconfigjson', limit: 2, continue: token });
          expect(page.items.length).toBeLessThanOrEqual(2);
          names.push(...page.items.map((s) => s.name));
          token = page.continue;
          pages += 1;
        } while (token !== undefined && pages < 10);
        expect(names).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
        expect(pages).toBeGreaterThanOrEqual(3);
        expect((await cluster.listSecrets(f.namespace, { type: 'kubernetes.io/dockercfg', limit: 10 })).items).toEqual([]);
      });

      it('when a continue token was not handed out by the cluster, then listing refuses it as the continue field', async () => {
        await cluster.createSecret(draft());
        const refusal = await cluster.listSecrets(f.namespace, { limit: 1, continue: 'not-a-token' }).catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(ContinueTokenError);
        expect((refusal as ContinueTokenError).errors).toEqual([expect.objectContaining({ path: 'continue', code: 'invalid_continue' })]);
      });

      it('when the caller changes a returned Secret, then the stored one does not change', async () => {
        const created = await cluster.createSecret(draft());
        created.data.token = b64('changed');
        created.labels.extra = 'x';
        const read = await cluster.readSecret(f.namespace, 'regcred');
        read!.data.token = b64('changed again');
        expect(await cluster.readSecret(f.namespace, 'regcred')).toMatchObject({ data: draft().data, labels: draft().labels });
      });

      it('reads a Secret it did not write, with the defaults filled in', async () => {
        await f.seedSecret({ name: 'seeded', namespace: f.namespace, type: 'Opaque', labels: {}, annotations: {}, data: {} });
        expect(await cluster.readSecret(f.namespace, 'seeded')).toMatchObject({ labels: {}, annotations: {}, data: {}, immutable: false });
      });
    });

    describe('creating', () => {
      it('when the name is taken, then creating throws AlreadyExistsError', async () => {
        await cluster.createSecret(draft());
        await expect(cluster.createSecret(draft())).rejects.toThrow(AlreadyExistsError);
      });

      it('when the namespace does not exist, then creating throws NamespaceNotFoundError', async () => {
        await expect(cluster.createSecret(draft({ namespace: f.missingNamespace }))).rejects.toThrow(NamespaceNotFoundError);
      });

      it('when dry-run, then it returns the would-be Secret and stores nothing', async () => {
        const wouldBe = await cluster.createSecret(draft(), { dryRun: true });
        expect(wouldBe).toMatchObject({ name: 'regcred', data: draft().data });
        expect(await cluster.readSecret(f.namespace, 'regcred')).toBeUndefined();
      });

      it('when dry-run, then it still refuses what a real create would refuse', async () => {
        await cluster.createSecret(draft());
        await expect(cluster.createSecret(draft(), { dryRun: true })).rejects.toThrow(AlreadyExistsError);
        await expect(cluster.createSecret(draft({ name: 'x', labels: { a: 'not valid!' } }), { dryRun: true })).rejects.toThrow(
          ValidationError,
        );
      });

      it('refuses an invalid label with field-level errors from the API (metadata.labels, FieldValueInvalid)', async () => {
        const error = await cluster.createSecret(draft({ labels: { team: 'not valid!' } })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).errors).toEqual([
          expect.objectContaining({ path: 'metadata.labels', code: 'FieldValueInvalid' }),
        ]);
      });

      it('refuses a pull secret without its key or with data that is not JSON, without quoting the data', async () => {
        const missing = await cluster.createSecret(draft({ type: 'kubernetes.io/dockerconfigjson', data: {} })).catch((e: unknown) => e);
        expect((missing as ValidationError).errors).toEqual([
          expect.objectContaining({ path: 'data[.dockerconfigjson]', code: 'FieldValueRequired' }),
        ]);
        const data = { '.dockerconfigjson': b64('not json, password=hunter2') };
        const notJson = await cluster.createSecret(draft({ type: 'kubernetes.io/dockerconfigjson', data })).catch((e: unknown) => e);
        expect((notJson as ValidationError).errors).toEqual([
          expect.objectContaining({ path: 'data[.dockerconfigjson]', code: 'FieldValueInvalid' }),
        ]);
        expect(JSON.stringify([(notJson as Error).message, (notJson as ValidationError).errors])).not.toContain('hunter2');
      });

      it('refuses data that is not base64 as an upstream error that quotes nothing', async () => {
        const error = await cluster.createSecret(draft({ data: { token: 'hunter2!' } })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UpstreamError);
        expect((error as Error).message).not.toContain('hunter2');
      });
    });

    describe('replacing', () => {
      it('when the resourceVersion is current, then it replaces labels, annotations and data and keeps the uid', async () => {
        const created = await cluster.createSecret(draft());
        const changes = { labels: { v: '2' }, annotations: {}, data: { token: b64('rotated') } };
        const replaced = await cluster.replaceSecret({ ...draft(changes), resourceVersion: created.resourceVersion! });
        expect(replaced).toMatchObject({ ...changes, uid: created.uid, creationTimestamp: created.creationTimestamp });
        expect(replaced.resourceVersion).not.toBe(created.resourceVersion);
        expect(await cluster.readSecret(f.namespace, 'regcred')).toEqual(replaced);
      });

      it('when someone wrote in between (stale resourceVersion), then it throws StaleWriteError and changes nothing', async () => {
        const created = await cluster.createSecret(draft());
        await cluster.replaceSecret({ ...draft({ labels: { by: 'someone-else' } }), resourceVersion: created.resourceVersion! });
        const stale = cluster.replaceSecret({ ...draft({ labels: { by: 'me' } }), resourceVersion: created.resourceVersion! });
        await expect(stale).rejects.toThrow(StaleWriteError);
        expect((await cluster.readSecret(f.namespace, 'regcred'))?.labels).toEqual({ by: 'someone-else' });
      });

      it('when the resourceVersion is empty, then it is stale too (never an unconditional replace)', async () => {
        await cluster.createSecret(draft());
        await expect(cluster.replaceSecret({ ...draft({ labels: {} }), resourceVersion: '' })).rejects.toThrow(StaleWriteError);
        expect((await cluster.readSecret(f.namespace, 'regcred'))?.labels).toEqual(draft().labels);
      });

      it('when the Secret or its namespace does not exist, then it throws SecretNotFoundError', async () => {
        await expect(cluster.replaceSecret({ ...draft(), resourceVersion: '1' })).rejects.toThrow(SecretNotFoundError);
        await expect(cluster.replaceSecret({ ...draft({ namespace: f.missingNamespace }), resourceVersion: '1' })).rejects.toThrow(
          SecretNotFoundError,
        );
      });

      it('when dry-run, then it returns the would-be Secret and stores nothing', async () => {
        const created = await cluster.createSecret(draft());
        const wouldBe = await cluster.replaceSecret(
          { ...draft({ data: { token: b64('new') } }), resourceVersion: created.resourceVersion! },
          { dryRun: true },
        );
        expect(wouldBe.data).toEqual({ token: b64('new') });
        expect(await cluster.readSecret(f.namespace, 'regcred')).toEqual(created);
      });

      it('when the type would change, then it refuses like the API server (type: field is immutable)', async () => {
        const created = await cluster.createSecret(draft());
        const change = cluster.replaceSecret({
          ...draft({ type: 'kubernetes.io/dockerconfigjson', data: PULL_SECRET_DATA }),
          resourceVersion: created.resourceVersion!,
        });
        const error = await change.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).errors).toEqual([expect.objectContaining({ path: 'type', code: 'FieldValueInvalid' })]);
      });

      it('when the Secret is immutable, then its data cannot change but its labels can, and it stays immutable', async () => {
        const seeded = await f.seedSecret({ ...draft(), immutable: true });
        const newData = await cluster
          .replaceSecret({ ...draft({ data: { token: b64('new') } }), resourceVersion: seeded.resourceVersion! })
          .catch((e: unknown) => e);
        expect(newData).toBeInstanceOf(ValidationError);
        expect((newData as ValidationError).errors).toEqual([expect.objectContaining({ path: 'data', code: 'FieldValueForbidden' })]);
        const relabelled = await cluster.replaceSecret({
          ...draft({ labels: { tier: 'gold' } }),
          resourceVersion: seeded.resourceVersion!,
        });
        expect(relabelled).toMatchObject({ immutable: true, labels: { tier: 'gold' }, data: draft().data });
      });

      it('when others set fields regcred does not own, then a replace keeps them', async () => {
        const created = await cluster.createSecret(draft({ annotations: { note: 'kept' } }));
        const replaced = await cluster.replaceSecret({
          ...draft({ data: { token: b64('new') }, annotations: { note: 'kept' } }),
          resourceVersion: created.resourceVersion!,
        });
        expect(replaced).toMatchObject({ uid: created.uid, creationTimestamp: created.creationTimestamp, annotations: { note: 'kept' } });
      });
    });

    describe('deleting', () => {
      it('when the uid matches, then the Secret is gone', async () => {
        const created = await cluster.createSecret(draft());
        await cluster.deleteSecret(f.namespace, 'regcred', created.uid!);
        expect(await cluster.readSecret(f.namespace, 'regcred')).toBeUndefined();
      });

      it('when the uid is another (deleted and re-created meanwhile), then it throws StaleWriteError and keeps it', async () => {
        await cluster.createSecret(draft());
        await expect(cluster.deleteSecret(f.namespace, 'regcred', '00000000-0000-4000-8000-000000000000')).rejects.toThrow(StaleWriteError);
        expect(await cluster.readSecret(f.namespace, 'regcred')).toBeDefined();
      });

      it('when there is no such Secret or namespace, then it throws SecretNotFoundError', async () => {
        const uid = '00000000-0000-4000-8000-000000000000';
        await expect(cluster.deleteSecret(f.namespace, 'absent', uid)).rejects.toThrow(SecretNotFoundError);
        await expect(cluster.deleteSecret(f.missingNamespace, 'absent', uid)).rejects.toThrow(SecretNotFoundError);
      });

      it('when dry-run, then it checks the precondition and deletes nothing', async () => {
        const created = await cluster.createSecret(draft());
        await cluster.deleteSecret(f.namespace, 'regcred', created.uid!, { dryRun: true });
        expect(await cluster.readSecret(f.namespace, 'regcred')).toEqual(created);
        await expect(cluster.deleteSecret(f.namespace, 'regcred', 'another-uid', { dryRun: true })).rejects.toThrow(StaleWriteError);
      });
    });

    describe('the cluster itself', () => {
      it('knows which namespaces exist', async () => {
        expect(await cluster.namespaceExists(f.namespace)).toBe(true);
        expect(await cluster.namespaceExists(f.missingNamespace)).toBe(false);
      });

      it('answers a ping and describes itself', async () => {
        await expect(cluster.ping()).resolves.toBeUndefined();
        expect(cluster.description).not.toBe('');
      });
    });
  });
}
