import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeedServiceAccount } from '../../src/cluster/memory/service-accounts.js';
import {
  ContinueTokenError,
  ServiceAccountNotFoundError,
  StaleWriteError,
  type Cluster,
  type ServiceAccountObject,
} from '../../src/domain/cluster.js';
import { LabelSelectorError } from '../../src/domain/kubernetes/label-selector.js';
import { ValidationError } from '../../src/errors.js';

/** One cluster, prepared for one test of ServiceAccounts and namespaces. */
export interface ServiceAccountFixture {
  cluster: Cluster;
  /** Exists and has no ServiceAccounts. */
  namespace: string;
  /** Does not exist. */
  missingNamespace: string;
  /** Stores a ServiceAccount behind the port's back, with fields the port does not show. */
  seedServiceAccount(seed: SeedServiceAccount): Promise<ServiceAccountObject>;
  /** Every field of a stored ServiceAccount, read behind the port's back. */
  readServiceAccountFields(namespace: string, name: string): Promise<Required<SeedServiceAccount> | undefined>;
  /** A new namespace with these labels and a name no other test uses; cleanup removes it. */
  createNamespace(labels: Record<string, string>): Promise<string>;
  cleanup(): Promise<void>;
}

/** Every namespace name the selector matches, a page at a time. */
async function allNamespaces(cluster: Cluster, labelSelector?: string): Promise<string[]> {
  const names: string[] = [];
  let next: string | undefined;
  do {
    const page = await cluster.listNamespaces({ labelSelector, limit: 100, continue: next });
    names.push(...page.names);
    next = page.continue;
  } while (next);
  return names;
}

/** What every Cluster adapter must do with ServiceAccounts and namespace listing; run against each of them. */
export function describeServiceAccountContract(name: string, makeFixture: () => Promise<ServiceAccountFixture>): void {
  describe(`${name}: the Cluster contract for ServiceAccounts and namespaces`, () => {
    let f: ServiceAccountFixture;
    let cluster: Cluster;
    beforeEach(async () => {
      f = await makeFixture();
      cluster = f.cluster;
    });
    afterEach(async () => f.cleanup());

    const builder = (overrides: Partial<SeedServiceAccount> = {}): Required<SeedServiceAccount> => ({
      namespace: f.namespace,
      name: 'builder',
      imagePullSecrets: ['a', 'b', 'a'],
      labels: { team: 'payments' },
      secrets: ['builder-token-x1'],
      automountServiceAccountToken: false,
      ...overrides,
    });

    describe('reading and listing ServiceAccounts', () => {
      it('when a ServiceAccount exists, then it reads back with uid, resourceVersion and its pull secrets in order, duplicates kept', async () => {
        const seeded = await f.seedServiceAccount(builder());
        const read = await cluster.readServiceAccount(f.namespace, 'builder');
        expect(read).toEqual(seeded);
        expect(read).toEqual({
          name: 'builder',
          namespace: f.namespace,
          uid: read?.uid,
          resourceVersion: read?.resourceVersion,
          imagePullSecrets: ['a', 'b', 'a'],
        });
        expect(read?.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(read?.resourceVersion).toMatch(/^\d+$/);
      });

      it('when there is no such ServiceAccount, then reading gives undefined, also in a namespace that does not exist', async () => {
        expect(await cluster.readServiceAccount(f.namespace, 'absent')).toBeUndefined();
        expect(await cluster.readServiceAccount(f.missingNamespace, 'absent')).toBeUndefined();
      });

      it('lists the ServiceAccounts of one namespace by name (none linked is an empty list), and nothing for a namespace that does not exist', async () => {
        await f.seedServiceAccount(builder({ name: 'b' }));
        await f.seedServiceAccount(builder({ name: 'a', imagePullSecrets: [] }));
        const listed = await cluster.listServiceAccounts(f.namespace, { limit: 10 });
        expect(listed.items.map((sa) => [sa.name, sa.imagePullSecrets])).toEqual([
          ['a', []],
          ['b', ['a', 'b', 'a']],
        ]);
        expect(listed.continue).toBeUndefined();
        expect(await cluster.listServiceAccounts(f.missingNamespace, { limit: 10 })).toEqual({ items: [] });
      });

      it('when asked for a page of `limit`, then the listing goes on from each page with its continue token until none is left', async () => {
        for (const name of ['e', 'c', 'a', 'd', 'b']) await f.seedServiceAccount(builder({ name }));
        const pages: string[][] = [];
        let next: string | undefined;
        do {
          const page = await cluster.listServiceAccounts(f.namespace, { limit: 2, continue: next });
          pages.push(page.items.map((sa) => sa.name));
          next = page.continue;
        } while (next);
        // A page may come back short of `limit` with a token still set (the API server may do so): compare the names in order.
        expect(pages.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(pages[0]).toEqual(['a', 'b']);
        expect(pages.every((page) => page.length <= 2)).toBe(true);
      });

      it('when the continue token is not one the listing handed out, then it throws ContinueTokenError', async () => {
        await f.seedServiceAccount(builder());
        await expect(cluster.listServiceAccounts(f.namespace, { limit: 1, continue: 'bm90LWEtdG9rZW4' })).rejects.toThrow(
          ContinueTokenError,
        );
      });

      it('when the caller changes a returned ServiceAccount, then the stored one does not change', async () => {
        await f.seedServiceAccount(builder());
        (await cluster.readServiceAccount(f.namespace, 'builder'))!.imagePullSecrets.push('x');
        (await cluster.listServiceAccounts(f.namespace, { limit: 10 })).items[0]!.imagePullSecrets.length = 0;
        expect((await cluster.readServiceAccount(f.namespace, 'builder'))?.imagePullSecrets).toEqual(['a', 'b', 'a']);
      });
    });

    describe('setting pull secrets', () => {
      it('when the resourceVersion is current, then imagePullSecrets become exactly the names given and every other field stays', async () => {
        const seeded = await f.seedServiceAccount(builder());
        const updated = await cluster.setServiceAccountPullSecrets(
          f.namespace,
          'builder',
          ['b', 'regcred', 'regcred'],
          seeded.resourceVersion!,
        );
        expect(updated).toMatchObject({
          name: 'builder',
          namespace: f.namespace,
          uid: seeded.uid,
          imagePullSecrets: ['b', 'regcred', 'regcred'],
        });
        expect(updated.resourceVersion).not.toBe(seeded.resourceVersion);
        expect(await cluster.readServiceAccount(f.namespace, 'builder')).toEqual(updated);
        expect(await f.readServiceAccountFields(f.namespace, 'builder')).toEqual(
          builder({ imagePullSecrets: ['b', 'regcred', 'regcred'] }),
        );
      });

      it('when given no names, then the ServiceAccount links no pull secret', async () => {
        const seeded = await f.seedServiceAccount(builder());
        const updated = await cluster.setServiceAccountPullSecrets(f.namespace, 'builder', [], seeded.resourceVersion!);
        expect(updated.imagePullSecrets).toEqual([]);
        expect(await f.readServiceAccountFields(f.namespace, 'builder')).toEqual(builder({ imagePullSecrets: [] }));
      });

      it('when someone wrote in between (stale resourceVersion), then it throws StaleWriteError naming the serviceaccount and changes nothing', async () => {
        const seeded = await f.seedServiceAccount(builder());
        await cluster.setServiceAccountPullSecrets(f.namespace, 'builder', ['theirs'], seeded.resourceVersion!);
        const error = await cluster
          .setServiceAccountPullSecrets(f.namespace, 'builder', ['mine'], seeded.resourceVersion!)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StaleWriteError);
        expect((error as Error).message).toBe(
          `serviceaccount "builder" in namespace "${f.namespace}" was changed concurrently; retry the request`,
        );
        expect((await cluster.readServiceAccount(f.namespace, 'builder'))?.imagePullSecrets).toEqual(['theirs']);
      });

      it('when two writers race from the same read, then exactly one wins and the other gets StaleWriteError', async () => {
        const seeded = await f.seedServiceAccount(builder());
        const results = await Promise.allSettled(
          ['first', 'second'].map((secret) =>
            cluster.setServiceAccountPullSecrets(f.namespace, 'builder', [secret], seeded.resourceVersion!),
          ),
        );
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(StaleWriteError);
        const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<ServiceAccountObject>).value;
        expect(await cluster.readServiceAccount(f.namespace, 'builder')).toEqual(winner);
      });

      it('when the resourceVersion is empty, then it is stale too (never an unconditional write)', async () => {
        await f.seedServiceAccount(builder());
        await expect(cluster.setServiceAccountPullSecrets(f.namespace, 'builder', [], '')).rejects.toThrow(StaleWriteError);
        expect((await cluster.readServiceAccount(f.namespace, 'builder'))?.imagePullSecrets).toEqual(['a', 'b', 'a']);
      });

      it('when the ServiceAccount or its namespace does not exist, then it throws ServiceAccountNotFoundError', async () => {
        const missing = await cluster.setServiceAccountPullSecrets(f.namespace, 'absent', ['x'], '1').catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(ServiceAccountNotFoundError);
        expect((missing as Error).message).toBe(`serviceaccount "absent" not found in namespace "${f.namespace}"`);
        await expect(cluster.setServiceAccountPullSecrets(f.missingNamespace, 'absent', ['x'], '1')).rejects.toThrow(
          ServiceAccountNotFoundError,
        );
      });

      it('when dry-run, then it returns the would-be ServiceAccount, stores nothing, and still refuses a stale write', async () => {
        const seeded = await f.seedServiceAccount(builder());
        const wouldBe = await cluster.setServiceAccountPullSecrets(f.namespace, 'builder', ['new'], seeded.resourceVersion!, {
          dryRun: true,
        });
        expect(wouldBe).toMatchObject({ uid: seeded.uid, imagePullSecrets: ['new'] });
        expect(await cluster.readServiceAccount(f.namespace, 'builder')).toEqual(seeded);
        await cluster.setServiceAccountPullSecrets(f.namespace, 'builder', ['theirs'], seeded.resourceVersion!);
        const stale = cluster.setServiceAccountPullSecrets(f.namespace, 'builder', ['new'], seeded.resourceVersion!, { dryRun: true });
        await expect(stale).rejects.toThrow(StaleWriteError);
      });
    });

    describe('listing namespaces', () => {
      it('when no selector is given, then every namespace is listed, by name', async () => {
        const labelled = await f.createNamespace({ tier: 'gold' });
        const all = await allNamespaces(cluster);
        expect(all).toEqual(expect.arrayContaining([f.namespace, labelled]));
        expect(all).not.toContain(f.missingNamespace);
        expect(all).toEqual([...all].sort());
        // Other suites create and delete namespaces on the same API server meanwhile: compare what this test owns.
        const again = await allNamespaces(cluster, '');
        expect(again).toEqual(expect.arrayContaining([f.namespace, labelled]));
        expect(again).toEqual([...again].sort());
      });

      it('selects namespaces by their labels: equality, inequality, set-based, existence', async () => {
        const run = `r${Math.random().toString(36).slice(2, 10)}`;
        const gold = await f.createNamespace({ run, tier: 'gold', env: 'prod' });
        const silver = await f.createNamespace({ run, tier: 'silver' });
        const plain = await f.createNamespace({ run });
        const names = { gold, silver, plain };
        const cases: [string, (keyof typeof names)[]][] = [
          [`run=${run}`, ['gold', 'silver', 'plain']],
          [`run=${run},tier=gold`, ['gold']],
          [`run==${run},tier==gold`, ['gold']],
          [`run=${run},tier!=gold`, ['silver', 'plain']],
          [`run=${run},tier in (gold,silver)`, ['gold', 'silver']],
          [`run=${run},tier notin (gold)`, ['silver', 'plain']],
          [`run=${run},tier`, ['gold', 'silver']],
          [`run=${run},!tier`, ['plain']],
          [` run in (${run}) , env=prod , tier `, ['gold']],
          [`run=${run},tier in ()`, []],
          [`run=${run},tier=bronze`, []],
        ];
        for (const [selector, expected] of cases) {
          const listed = await allNamespaces(cluster, selector);
          expect(listed, selector).toEqual(expected.map((key) => names[key]).sort());
        }
        // Without the run label other namespaces match too: assert only on this test's own.
        const untiered = await allNamespaces(cluster, '!tier');
        expect(untiered).toEqual(expect.arrayContaining([plain, f.namespace]));
        expect(untiered).not.toEqual(expect.arrayContaining([gold]));
        expect(untiered).not.toEqual(expect.arrayContaining([silver]));
      });

      it('when asked for a page of `limit`, then the names come a page at a time, by name, each page going on from the last', async () => {
        const run = `r${Math.random().toString(36).slice(2, 10)}`;
        const created = [];
        for (let i = 0; i < 5; i++) created.push(await f.createNamespace({ run }));
        const pages: string[][] = [];
        let next: string | undefined;
        do {
          const page = await cluster.listNamespaces({ labelSelector: `run=${run}`, limit: 2, continue: next });
          pages.push(page.names);
          next = page.continue;
        } while (next);
        expect(pages.flat()).toEqual(created.sort());
        expect(pages[0]).toHaveLength(2);
        expect(pages.every((page) => page.length <= 2)).toBe(true);
        await expect(cluster.listNamespaces({ limit: 1, continue: 'bm90LWEtdG9rZW4' })).rejects.toThrow(ContinueTokenError);
      });

      it('when the selector does not parse, then it throws a LabelSelectorError (a ValidationError) naming the rule', async () => {
        for (const [selector, rule] of [
          ['tier in (gold', 'label_selector_syntax'],
          ['tier=not valid!', 'label_selector_syntax'],
          ['tier=-gold', 'label_value'],
          ['Tier/x=gold', 'qualified_name'],
          ['size>big', 'integer'],
        ]) {
          const error = await cluster.listNamespaces({ labelSelector: selector, limit: 10 }).catch((e: unknown) => e);
          expect(error, selector).toBeInstanceOf(LabelSelectorError);
          expect(error, selector).toBeInstanceOf(ValidationError);
          expect((error as LabelSelectorError).rule, selector).toBe(rule);
        }
      });
    });
  });
}
