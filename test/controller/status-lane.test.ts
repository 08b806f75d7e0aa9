import { afterEach, describe, expect, it } from 'vitest';
import { DistributionController } from '../../src/controller/distribution-controller.js';
import { StatusLane } from '../../src/controller/status-lane.js';
import type { DistributionCluster } from '../../src/domain/distributions/distribution-cluster.js';
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { eventually } from '../support/poll.js';
import { uniqueName } from '../support/real-cluster.js';
import { recordingObserver } from '../support/recording-observer.js';
import { seedTeamDistribution } from '../support/seed-distribution.js';

const WAIT = { timeoutMs: 30_000 };

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('the status lane', () => {
  it("runs one distribution's writes one at a time, in the order asked, and another distribution's beside them", async () => {
    const lane = new StatusLane();
    const first = gate();
    const order: string[] = [];
    const a1 = lane.run('a', async () => {
      await first.opened;
      order.push('a1');
    });
    const a2 = lane.run('a', async () => void order.push('a2'));
    await lane.run('b', async () => void order.push('b1'));
    expect(order).toEqual(['b1']);
    await eventually(async () => expect(lane.size).toBe(2));
    first.open();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['b1', 'a1', 'a2']);
    await eventually(async () => expect(lane.size).toBe(0));
  });

  it('keeps one background write waiting per distribution: the ones asked while it waits are that one', async () => {
    const lane = new StatusLane();
    const busy = gate();
    let writes = 0;
    const running = lane.run('a', () => busy.opened);
    for (let i = 0; i < 5; i++)
      lane.soon(
        'a',
        async () => void writes++,
        () => undefined,
      );
    expect(lane.size).toBe(2);
    busy.open();
    await running;
    await eventually(async () => expect(lane.size).toBe(0));
    expect(writes).toBe(1);
    // Once it started, the next one asked is a new one.
    lane.soon(
      'a',
      async () => void writes++,
      () => undefined,
    );
    await eventually(async () => expect(writes).toBe(2));
  });

  it('hands a failed background write to `failed` and goes on with the next', async () => {
    const lane = new StatusLane();
    const failures: unknown[] = [];
    lane.soon(
      'a',
      async () => Promise.reject(new Error('boom')),
      (error) => failures.push(error),
    );
    await lane.run('a', async () => undefined);
    expect(failures).toHaveLength(1);
  });
});

// Issue 20: a namespace event never waits for a status write (one takes ~100 ms with 1,000 namespaces listed).
describe('the distribution controller, while a status write is under way', () => {
  describe.each(clusterArenas())('on %s', (_title, makeArena) => {
    let arena: ClusterArena;
    let controller: DistributionController | undefined;
    const names: string[] = [];

    afterEach(async () => {
      await controller?.stop();
      controller = undefined;
      await arena?.cleanup(names.splice(0));
    });

    it('writes the copy of the next new namespace without waiting for it, and the status follows once it ends', async () => {
      arena = await makeArena();
      const team = uniqueName('t');
      const existing = [uniqueName('ns'), uniqueName('ns')];
      for (const ns of existing) await arena.createNamespace(ns, { team });
      const name = await seedTeamDistribution(arena, team, [], names);
      let held: ReturnType<typeof gate> | undefined = undefined;
      let heldWrites = 0;
      const holding: DistributionCluster = Object.create(arena.distributions, {
        replaceDistributionStatus: {
          value: async (...args: Parameters<DistributionCluster['replaceDistributionStatus']>) => {
            if (held) {
              heldWrites++;
              await held.opened;
            }
            return arena.distributions.replaceDistributionStatus(...args);
          },
        },
      });
      const { observer, seen } = recordingObserver();
      controller = new DistributionController({
        cluster: arena.cluster,
        distributions: holding,
        ownNamespace: arena.ownNamespace,
        denyNamespaces: [],
        watchTimeoutSeconds: 30,
        resyncSeconds: 3600,
        observer,
      });
      await controller.start();
      const status = async () => (await arena.distributions.readDistribution(name))?.status;
      await eventually(async () => expect((await status())?.counts?.current).toBe(existing.length), WAIT);
      await eventually(async () => expect(controller!.backlog).toBe(0), WAIT);

      held = gate();
      const [first, second] = [uniqueName('ns-a'), uniqueName('ns-b')];
      await arena.createNamespace(first, { team });
      await eventually(async () => expect(await arena.cluster.readSecret(first, 'regcred')).toBeDefined(), WAIT);
      await eventually(async () => expect(heldWrites).toBe(1), WAIT);
      await arena.createNamespace(second, { team });
      await eventually(async () => expect(await arena.cluster.readSecret(second, 'regcred')).toBeDefined(), WAIT);
      expect(heldWrites).toBe(1);
      expect(controller.backlog).toBeGreaterThan(0);

      held.open();
      await eventually(async () => expect((await status())?.counts).toMatchObject({ targeted: 4, current: 4 }), WAIT);
      await eventually(async () => expect(controller!.backlog).toBe(0), WAIT);
      expect(seen.errors).toEqual([]);
      expect(seen.unexpected).toEqual([]);
    });
  });
});
