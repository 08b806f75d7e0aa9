import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { adminKubeConfig, applyCrd, startController } from './distribution-setup.js';
import { rolledOutSince, statusOf } from './distribution-watches.js';
import { startPrivateKit } from './kit.js';
import { round } from './load.js';
import { NamespaceBatch } from './namespace.js';
import { ObjectWatch } from './object-watch.js';
import type { RegcredClient } from './regcred-client.js';
import { deathWatch, RegcredDied, RunGuard } from './scale-guard.js';
import { SCALE_TARGETS, type ManyRun, type ManySettings } from './scale-types.js';

const CR = { group: 'regcred.io', version: 'v1alpha1', plural: 'pullsecretdistributions' };
const WRITES = 'regcred_distribution_writes_total';
const PUTS_IN_FLIGHT = 4;
const WAIT_MS = 600_000;
const ROTATION_WAIT_MS = 60_000;
// After the roll-out, how long the other distributions are still watched for writes.
const SETTLE_MS = 2000;

/**
 * BENCH_ONLY=scale-many: many distributions, each over namespaces of its own (distinct labels), on
 * a kit of its own; once all are current, one source is rotated: how long until it is rolled out,
 * and how many writes the others made meanwhile.
 */
export async function benchScaleMany(settings: ManySettings, cleanups: Array<() => Promise<void>>): Promise<ManyRun> {
  const started = performance.now();
  const { distributions, namespacesEach } = settings;
  const guard = new RunGuard(settings.hardStopSeconds);
  let finished = false;
  cleanups.push(async () => void (finished || guard.stop('interrupted')));
  const kit = await startPrivateKit();
  cleanups.push(kit.stop);
  try {
    await applyCrd(kit);
    const kubeConfig = adminKubeConfig(kit.kubeconfig);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const batches = Array.from({ length: distributions }, () => new NamespaceBatch(core, 1, 'regcred-many'));
    const names = batches.map((_, i) => `many-${String(i).padStart(3, '0')}`);
    process.stderr.write(`  ${distributions * namespacesEach} namespaces, ${settings.setupConcurrency} at a time\n`);
    const limit = pLimit(settings.setupConcurrency);
    let t = performance.now();
    await Promise.all(
      batches.flatMap((batch) =>
        Array.from({ length: namespacesEach }, (_, i) =>
          limit(() => {
            guard.check();
            return batch.add(String(i).padStart(4, '0'));
          }),
        ),
      ),
    );
    const createNamespacesMs = round(performance.now() - t, 0);

    const { server, client } = await startController(kit, 'regcred (scale many)', { REGCRED_CONTROLLER_RESYNC_SECONDS: '3600' }, cleanups);
    const cr = new ObjectWatch(
      kubeConfig,
      `/apis/${CR.group}/${CR.version}/${CR.plural}`,
      {},
      () => custom.listClusterCustomObject({ ...CR }) as Promise<{ items: object[] }>,
    );
    const death = deathWatch(server, () => cr.stop());
    const forgetGuard = guard.onStop(() => cr.stop());
    cleanups.push(async () => cr.stop());
    try {
      await cr.start();
      const body = (i: number, password: string) => ({
        server: 'registry.example.com',
        username: 'janedoe',
        password,
        namespaceSelector: batches[i]!.selector,
        serviceAccounts: [],
      });
      process.stderr.write(`  ${distributions} distributions over ${namespacesEach} namespaces each\n`);
      t = performance.now();
      const puts = pLimit(PUTS_IN_FLIGHT);
      await Promise.all(names.map((name, i) => puts(() => client.putDistribution(name, body(i, 's3cr3t-before')))));
      const allCurrent = () => names.every((name) => statusOf(cr, name)?.counts?.current === namespacesEach);
      const allAt = await cr.until(allCurrent, WAIT_MS);
      death.check('all current');
      guard.check();
      const allCurrentMs = allAt === undefined ? null : round(allAt - t, 0);

      process.stderr.write(`  rotating ${names[0]}\n`);
      const before = await writesOf(client, names);
      const oldHash = statusOf(cr, names[0]!)?.contentHash;
      await client.putDistribution(names[0]!, body(0, 's3cr3t-rotated'));
      t = performance.now();
      const rolledAt = await cr.until(() => rolledOutSince(cr, names[0]!, oldHash), ROTATION_WAIT_MS);
      await sleep(SETTLE_MS);
      death.check('rotation');
      const after = await writesOf(client, names);
      const rotationMs = rolledAt === undefined ? null : round(rolledAt - t, 0);
      const otherWrites = names.slice(1).reduce((sum, name) => sum + after.get(name)! - before.get(name)!, 0);
      const peakRssMB = round(server.peakRssMB(), 1);
      return {
        distributions,
        namespacesEach,
        createNamespacesMs,
        allCurrentMs,
        rotationMs,
        rotatedWrites: after.get(names[0]!)! - before.get(names[0]!)!,
        otherWrites,
        peakRssMB,
        met: rotationMs !== null && rotationMs <= SCALE_TARGETS.manyRolloutMsMax && otherWrites <= SCALE_TARGETS.manyOtherWritesMax,
        durationS: round((performance.now() - started) / 1000, 1),
      };
    } catch (error) {
      if (!(error instanceof RegcredDied)) throw error;
      return {
        distributions,
        namespacesEach,
        createNamespacesMs,
        allCurrentMs: null,
        rotationMs: null,
        rotatedWrites: 0,
        otherWrites: 0,
        peakRssMB: 0,
        failure: error.failure,
        met: false,
        durationS: round((performance.now() - started) / 1000, 1),
      };
    } finally {
      forgetGuard();
      cr.stop();
      death.expectExit();
      await server.stop();
    }
  } finally {
    finished = true;
    guard.dispose();
  }
}

async function writesOf(client: RegcredClient, names: string[]): Promise<Map<string, number>> {
  const counts = await Promise.all(names.map((name) => client.metric(WRITES, { distribution: name })));
  return new Map(names.map((name, i) => [name, counts[i]!]));
}
