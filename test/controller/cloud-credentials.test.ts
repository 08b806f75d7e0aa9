import { Buffer } from 'node:buffer';
import { afterEach, describe, expect, it } from 'vitest';
import { DistributionController } from '../../src/controller/distribution-controller.js';
import type { CloudSource } from '../../src/domain/credentials/cloud-source.js';
import {
  CLEANUP_FINALIZER,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  type DistributionObject,
  type DistributionSpec,
} from '../../src/domain/distributions/distribution.js';
import { CREDENTIAL_EXPIRES_AT_ANNOTATION, CREDENTIAL_ISSUED_AT_ANNOTATION } from '../../src/domain/distributions/minted-source.js';
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { FakeMinter } from '../support/cloud/fake-minter.js';
import { CANARY_PASSWORD as CANARY } from '../support/docker-config-samples.js';
import { recordingObserver } from '../support/recording-observer.js';
import { eventually } from '../support/poll.js';
import { uniqueName } from '../support/real-cluster.js';

const WAIT = { timeoutMs: 20_000 };
const ECR: CloudSource = { ecr: { region: 'eu-west-1', registryIds: ['111122223333'] } };
const ALLOW = ['ecr:111122223333:*', 'gar:europe-docker.pkg.dev'];
const decoded = (secret: { data: Record<string, string> } | undefined) =>
  secret ? JSON.parse(Buffer.from(secret.data['.dockerconfigjson'] ?? '', 'base64').toString()) : undefined;
const passwordIn = (secret: { data: Record<string, string> } | undefined) => {
  const auths = decoded(secret)?.auths ?? {};
  const [entry] = Object.values(auths) as { password?: string }[];
  return entry?.password;
};
/** Polls until the copy carries minted token number `n`. */
async function carries(read: () => Promise<{ data: Record<string, string> } | undefined>, minter: FakeMinter, n: number) {
  return eventually(async () => {
    expect(minter.minted[n]).toBeDefined();
    const secret = await read();
    expect(passwordIn(secret)).toBe(minter.minted[n]);
    return secret!;
  }, WAIT);
}

/** A minter whose mints answer only once released: a mint still under way when a test acts. */
class HeldMinter extends FakeMinter {
  asked = 0;
  answered: Promise<unknown> = Promise.resolve();
  private release!: () => void;
  private readonly held = new Promise<void>((resolve) => (this.release = resolve));

  override mint(source: CloudSource) {
    this.asked += 1;
    const answer = this.held.then(() => super.mint(source));
    this.answered = answer.catch(() => undefined);
    return answer;
  }

  answer(): Promise<unknown> {
    this.release();
    return this.answered;
  }
}

// Each case waits for a mint, a roll-out and a status through a kit shared with other suites: more than one 20 s wait may add up.
describe(
  'cloud-sourced distributions: tokens minted with the service identity and renewed before they expire (issue 18)',
  { timeout: 60_000 },
  () => {
    describe.each(clusterArenas())('on %s', (_title, makeArena) => {
      let arena: ClusterArena;
      const controllers: DistributionController[] = [];
      const names: string[] = [];

      afterEach(async () => {
        for (const c of controllers.splice(0)) await c.stop();
        await arena?.cleanup(names.splice(0));
      });

      async function distribution(name: string, cloud: CloudSource, spec: Partial<DistributionSpec> = {}): Promise<DistributionObject> {
        names.push(name);
        return arena.distributions.createDistribution({
          name,
          finalizers: [],
          labels: {},
          annotations: {},
          spec: {
            secretName: 'regcred',
            serviceAccounts: [],
            ...spec,
            source: { secretName: `distribution-${name}`, namespace: arena.ownNamespace, ...cloud, ...spec.source },
          },
        });
      }

      function controller(minter: FakeMinter | undefined, allow: readonly string[] = ALLOW) {
        const { observer, seen } = recordingObserver();
        const c = new DistributionController({
          cluster: arena.cluster,
          distributions: arena.distributions,
          ownNamespace: arena.ownNamespace,
          denyNamespaces: ['kube-system'],
          watchTimeoutSeconds: 30,
          resyncSeconds: 3600,
          observer,
          ...(minter ? { minter, cloudAllow: allow } : {}),
        });
        controllers.push(c);
        return { controller: c, seen };
      }

      const statusOf = async (name: string) => (await arena.distributions.readDistribution(name))?.status;

      /** A fresh arena with a target namespace, and a started controller minting with a fake of the given token lifetime. */
      async function running(lifetimeMs?: number) {
        arena = await makeArena();
        const target = uniqueName('ns');
        await arena.createNamespace(target);
        const minter = new FakeMinter(CANARY);
        if (lifetimeMs) minter.lifetimeMs = lifetimeMs;
        const { controller: c, seen } = controller(minter);
        await c.start();
        return { target, minter, seen };
      }

      it('when a distribution names an allowed ECR account, then the token is minted into its own source and every copy, and the status says when it expires and is renewed', async () => {
        const { target, minter, seen } = await running();
        const object = await distribution(uniqueName('ecr'), ECR, { namespaces: [target] });

        const copy = await carries(() => arena.cluster.readSecret(target, 'regcred'), minter, 0);
        // Only what kubelet reads, as kubectl writes it.
        expect(Object.keys(decoded(copy).auths)).toEqual(['111122223333.dkr.ecr.eu-west-1.amazonaws.com']);
        expect(Object.keys(decoded(copy).auths['111122223333.dkr.ecr.eu-west-1.amazonaws.com']).sort()).toEqual([
          'auth',
          'password',
          'username',
        ]);

        const source = await arena.cluster.readSecret(arena.ownNamespace, `distribution-${object.name}`);
        expect(source?.labels[DISTRIBUTION_SOURCE_LABEL]).toBe(object.name);
        expect(source?.annotations[DISTRIBUTION_UID_ANNOTATION]).toBe(object.uid);
        const issued = Date.parse(source!.annotations[CREDENTIAL_ISSUED_AT_ANNOTATION]!);
        const expires = Date.parse(source!.annotations[CREDENTIAL_EXPIRES_AT_ANNOTATION]!);
        expect(expires - issued).toBe(minter.lifetimeMs);

        const status = await eventually(async () => {
          const s = await statusOf(object.name);
          expect(s?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'Refreshed' });
          return s!;
        }, WAIT);
        expect(status.credential).toMatchObject({ provider: 'ecr', expiresAt: new Date(expires).toISOString() });
        const next = Date.parse(status.credential!.nextRefreshTime!);
        // Renewed at 50–55 % of the real lifetime, not on a fixed interval.
        expect(next).toBeGreaterThanOrEqual(issued + 0.5 * minter.lifetimeMs - 1);
        expect(next).toBeLessThanOrEqual(issued + 0.55 * minter.lifetimeMs + 1);
        expect(seen.refreshes).toContain(`${object.name}:ecr:success`);
        expect(seen.conditions).toContain(`${object.name}:Ready=True:Refreshed`);
        // The token never reaches the status or the Events.
        expect(JSON.stringify(await statusOf(object.name))).not.toContain(CANARY);
        expect(JSON.stringify(await arena.eventsAbout(object.name))).not.toContain(CANARY);
      });

      it('when the token reaches its refresh point, then a new one replaces it in every copy while the old one still lives', async () => {
        const { target, minter } = await running(3_000);
        await distribution(uniqueName('ecr'), ECR, { namespaces: [target] });
        await carries(() => arena.cluster.readSecret(target, 'regcred'), minter, 0);
        await carries(() => arena.cluster.readSecret(target, 'regcred'), minter, 1);
        const [first, second] = minter.calls;
        const lead = first!.at + minter.lifetimeMs - second!.at;
        expect(lead).toBeGreaterThanOrEqual(0.4 * minter.lifetimeMs - 50);
      });

      it('when refreshes fail, then the copies keep the token, Ready turns False (RefreshFailed, then TokenExpired) and recovers, with an Event each time', async () => {
        const { target, minter, seen } = await running(2_000);
        const object = await distribution(uniqueName('ecr'), ECR, { namespaces: [target] });
        await carries(() => arena.cluster.readSecret(target, 'regcred'), minter, 0);
        minter.failNext(1_000);
        await eventually(async () => expect((await statusOf(object.name))?.conditions?.[0]?.reason).toBe('RefreshFailed'), WAIT);
        expect((await statusOf(object.name))?.credential?.lastError).toMatch(/AccessDeniedException/);
        await eventually(async () => expect((await statusOf(object.name))?.conditions?.[0]?.reason).toBe('TokenExpired'), WAIT);
        // Never deleted: the expired token stays until a new one comes.
        expect(passwordIn(await arena.cluster.readSecret(target, 'regcred'))).toBe(minter.minted[0]);
        const failuresSoFar = minter.calls.length;
        expect(failuresSoFar).toBeGreaterThan(2);
        minter.failNext(0);
        await carries(() => arena.cluster.readSecret(target, 'regcred'), minter, 1);
        await eventually(async () => expect((await statusOf(object.name))?.conditions?.[0]?.reason).toBe('Refreshed'), WAIT);
        expect((await statusOf(object.name))?.credential?.lastError).toBeUndefined();
        // Whether a first "Minting" was seen depends on whether a reconcile ran before the first mint ended.
        expect(seen.conditions.filter((x) => x.startsWith(object.name) && !x.endsWith(':Minting'))).toEqual([
          `${object.name}:Ready=True:Refreshed`,
          `${object.name}:Ready=False:RefreshFailed`,
          `${object.name}:Ready=False:TokenExpired`,
          `${object.name}:Ready=True:Refreshed`,
        ]);
        expect(seen.refreshes.filter((x) => x.endsWith(':failure')).length).toBeGreaterThan(1);
      });

      it('when a distribution is deleted while its token is being minted, then that token is never written: no source is left behind', async () => {
        arena = await makeArena();
        const target = uniqueName('ns');
        await arena.createNamespace(target);
        const minter = new HeldMinter(CANARY);
        const { controller: c } = controller(minter);
        await c.start();
        const object = await distribution(uniqueName('ecr'), ECR, { namespaces: [target] });
        await eventually(async () => {
          expect(minter.asked).toBe(1);
          expect((await arena.distributions.readDistribution(object.name))?.finalizers).toContain(CLEANUP_FINALIZER);
        }, WAIT);

        await arena.distributions.deleteDistribution(object.name, object.uid!);
        await eventually(async () => expect(await arena.distributions.readDistribution(object.name)).toBeUndefined(), WAIT);
        await minter.answer();
        // Nothing is waited for but the write that must not come: the time a write takes, with room.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await arena.cluster.readSecret(arena.ownNamespace, `distribution-${object.name}`)).toBeUndefined();
        expect(await arena.cluster.readSecret(target, 'regcred')).toBeUndefined();
      });

      it('when two distributions use one identity, then one mint serves both, each in its own source', async () => {
        const { target, minter } = await running(60_000);
        const [a, b] = [uniqueName('ecr-a'), uniqueName('ecr-b')];
        await distribution(a, ECR, { namespaces: [target], secretName: 'a' });
        await distribution(b, { ecr: { region: 'eu-west-1', registryIds: ['111122223333'] } }, { namespaces: [target], secretName: 'b' });
        await eventually(async () => {
          expect(passwordIn(await arena.cluster.readSecret(target, 'a'))).toBeDefined();
          expect(passwordIn(await arena.cluster.readSecret(target, 'b'))).toBeDefined();
        }, WAIT);
        expect(minter.mintsFor(ECR)).toBe(1);
        expect(await arena.cluster.readSecret(arena.ownNamespace, `distribution-${a}`)).toBeDefined();
        expect(await arena.cluster.readSecret(arena.ownNamespace, `distribution-${b}`)).toBeDefined();
      });

      it('when the controller restarts in the middle of a lifetime, then it keeps the stored token and its schedule (no new mint)', async () => {
        arena = await makeArena();
        const target = uniqueName('ns');
        await arena.createNamespace(target);
        const minter = new FakeMinter(CANARY);
        minter.lifetimeMs = 60_000;
        const first = controller(minter);
        await first.controller.start();
        const object = await distribution(uniqueName('ecr'), ECR, { namespaces: [target] });
        await eventually(async () => expect((await statusOf(object.name))?.conditions?.[0]?.reason).toBe('Refreshed'), WAIT);
        await first.controller.stop();
        const scheduled = Date.parse((await statusOf(object.name))!.credential!.nextRefreshTime!);

        const second = controller(minter);
        await second.controller.start();
        await eventually(async () => expect(second.controller.backlog).toBe(0), WAIT);
        expect(minter.calls).toHaveLength(1);
        const rescheduled = Date.parse((await statusOf(object.name))!.credential!.nextRefreshTime!);
        const issued = minter.calls[0]!.at;
        expect(Math.abs(rescheduled - scheduled)).toBeLessThanOrEqual(0.1 * minter.lifetimeMs + 1000);
        expect(rescheduled).toBeGreaterThanOrEqual(issued + 0.5 * minter.lifetimeMs - 1000);
      });

      it('when the account, a role or a host is not allowed, or the source Secret is another, then nothing is minted and the status says why', async () => {
        const { target, minter, seen } = await running();
        const refused = [
          await distribution(uniqueName('acct'), { ecr: { region: 'eu-west-1', registryIds: ['999988887777'] } }, { namespaces: [target] }),
          await distribution(
            uniqueName('role'),
            { ecr: { region: 'eu-west-1', registryIds: ['111122223333'], roleArn: 'arn:aws:iam::999988887777:role/admin' } },
            { namespaces: [target] },
          ),
          await distribution(uniqueName('host'), { googleArtifactRegistry: { hosts: ['us-docker.pkg.dev'] } }, { namespaces: [target] }),
          await distribution(uniqueName('acr'), { acr: { hosts: ['other.azurecr.io'] } }, { namespaces: [target] }),
          await distribution(uniqueName('other'), ECR, { namespaces: [target], source: { secretName: 'regcred-ownership-key' } }),
        ];
        for (const object of refused)
          await eventually(async () => {
            const status = await statusOf(object.name);
            expect(status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'NotAllowed' });
            expect(status?.message).toMatch(/REGCRED_CLOUD_ALLOW|spec.source.secretName must be "distribution-/);
          }, WAIT);
        expect(minter.calls).toHaveLength(0);
        expect(await arena.cluster.readSecret(target, 'regcred')).toBeUndefined();
        expect(seen.conditions.filter((x) => x.endsWith('NotAllowed'))).toHaveLength(refused.length);
      });

      it('when no cloud source is allowed (REGCRED_CLOUD_ALLOW empty), then a cloud distribution is refused', async () => {
        arena = await makeArena();
        const minter = new FakeMinter(CANARY);
        const { controller: c } = controller(minter, []);
        await c.start();
        const object = await distribution(uniqueName('ecr'), ECR, { namespaces: ['anywhere'] });
        await eventually(async () => expect((await statusOf(object.name))?.message).toMatch(/cloud sources are off/), WAIT);
        expect(minter.calls).toHaveLength(0);
      });
    });
  },
);
