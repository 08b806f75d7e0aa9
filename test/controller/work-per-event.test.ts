import { afterEach, describe, expect, it } from 'vitest';
import { DistributionController } from '../../src/controller/distribution-controller.js';
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { eventually } from '../support/poll.js';
import { uniqueName } from '../support/real-cluster.js';
import { recordingObserver } from '../support/recording-observer.js';
import { seedTeamDistribution } from '../support/seed-distribution.js';

const NAMESPACES = 60;
const WAIT = { timeoutMs: 30_000 };

// Issue 20: the cost of an event is that of the namespace it concerns, not of the whole distribution.
describe('the distribution controller, per event', () => {
  describe.each(clusterArenas())('on %s', (_title, makeArena) => {
    let arena: ClusterArena;
    let controller: DistributionController | undefined;
    const names: string[] = [];

    afterEach(async () => {
      await controller?.stop();
      controller = undefined;
      await arena?.cleanup(names.splice(0));
    });

    it('plans only the namespace an event concerns, reads no source for it, and still links and counts it', async () => {
      arena = await makeArena();
      const team = uniqueName('t');
      const existing = Array.from({ length: NAMESPACES }, () => uniqueName('ns'));
      for (let i = 0; i < existing.length; i += 20)
        await Promise.all(existing.slice(i, i + 20).map((ns) => arena.createNamespace(ns, { team })));
      const name = await seedTeamDistribution(arena, team, ['default'], names);
      let sourceReads = 0;
      const counting = Object.create(arena.cluster, {
        readSecret: {
          value: (namespace: string, secret: string) => {
            if (namespace === arena.ownNamespace) sourceReads++;
            return arena.cluster.readSecret(namespace, secret);
          },
        },
      });
      const { observer, seen } = recordingObserver();
      controller = new DistributionController({
        cluster: counting,
        distributions: arena.distributions,
        ownNamespace: arena.ownNamespace,
        denyNamespaces: [],
        watchTimeoutSeconds: 30,
        resyncSeconds: 3600,
        observer,
      });
      await controller.start();
      const status = async () => (await arena.distributions.readDistribution(name))?.status;
      await eventually(async () => expect((await status())?.counts?.current).toBe(NAMESPACES), WAIT);
      await eventually(async () => expect(controller!.backlog).toBe(0), WAIT);
      // The full passes planned every namespace (the test below can fail).
      expect(seen.plannedOf.get(name)).toBeGreaterThanOrEqual(NAMESPACES);

      const [planned, reads] = [seen.plannedOf.get(name) ?? 0, sourceReads];
      const late = uniqueName('ns-late');
      await arena.createNamespace(late, { team });
      await arena.seedServiceAccount({ namespace: late, name: 'default' });
      await eventually(
        async () => expect((await arena.cluster.readServiceAccount(late, 'default'))?.imagePullSecrets).toEqual(['regcred']),
        WAIT,
      );
      await eventually(
        async () => expect((await status())?.counts).toMatchObject({ targeted: NAMESPACES + 1, current: NAMESPACES + 1 }),
        WAIT,
      );
      await eventually(async () => expect(controller!.backlog).toBe(0), WAIT);
      // The namespace's own events (it, its ServiceAccount, and our writes when their watch event beats their answer): that one namespace a few times, none of the others.
      expect((seen.plannedOf.get(name) ?? 0) - planned).toBeGreaterThanOrEqual(1);
      expect((seen.plannedOf.get(name) ?? 0) - planned).toBeLessThanOrEqual(5);
      expect(sourceReads - reads).toBe(0);
      expect(seen.errors).toEqual([]);
      expect(seen.unexpected).toEqual([]);

      // A resync looks at everything again, and writes nothing.
      const before = seen.plannedOf.get(name) ?? 0;
      controller.resync();
      await eventually(async () => expect((seen.plannedOf.get(name) ?? 0) - before).toBeGreaterThanOrEqual(NAMESPACES + 1), WAIT);
      expect((await status())?.counts).toMatchObject({ targeted: NAMESPACES + 1, current: NAMESPACES + 1 });
    });
  });
});
