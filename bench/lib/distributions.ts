import { performance } from 'node:perf_hooks';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { measureLinks, measureNoOp } from './distribution-measures.js';
import { adminKubeConfig, applyCrd, forget, removeDistribution, startController } from './distribution-setup.js';
import { distributionWatches, noteOthers, spaced, statusOf } from './distribution-watches.js';
import { readDuringRotation } from './rotation-reader.js';
import type { Kit } from './kit.js';
import { round } from './load.js';
import { NamespaceBatch, uniqueName } from './namespace.js';
import { summarizeLatencies, type DistributionRun, type DistributionTargets } from './report-distributions.js';

export interface DistributionSettings {
  /** Matching namespaces that exist before regcred starts (the cold start). */
  namespaces: number;
  /** New namespaces created, and copies deleted, one at a time. */
  events: number;
  /** Namespaces whose `default` ServiceAccount is created for the link measurement. */
  links: number;
  spacingMs: number;
  /** REGCRED_CONTROLLER_RESYNC_SECONDS of the regcred under test. */
  resyncSeconds: number;
  /** The part stops (and cleans up) after this long, whatever it is doing. */
  hardStopSeconds: number;
}

const SETUP_CONCURRENCY = 16;
const SECRET = 'regcred';
const EVENT_WAIT_MS = 15_000;
const ROLLOUT_WAIT_MS = 120_000;
const DELETE_WAIT_MS = 120_000;
const CREDENTIAL = { server: 'registry.example.com', username: 'janedoe' };
const PASSWORDS = ['s3cr3t-before', 's3cr3t-rotated'] as const;

const HARNESS =
  'regcred as deployed (compiled src/main.ts with the V8 flags of start:prod, token auth, REGCRED_CLUSTER=kubernetes with the kit admin kubeconfig, ' +
  'its own REGCRED_NAMESPACE, controller and leader election on) in a child process; the CRD applied with kubectl; times are from an answer ' +
  "to the first watch event showing the outcome, through client-node's own Watch (not regcred's informers); percentiles by nearest rank";

/** Parts 1 to 5 of the distributions bench (cold start, new namespaces, restores, rotation, no-op writes) on one regcred. */
export async function benchDistributions(
  kit: Kit,
  settings: DistributionSettings,
  targets: DistributionTargets,
  cleanups: Array<() => Promise<void>>,
): Promise<DistributionRun> {
  const started = performance.now();
  const kubeConfig = adminKubeConfig(kit.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const [name, linkName] = [uniqueName('bench'), uniqueName('bench-sa')];
  const watches = distributionWatches(kubeConfig, name);
  let othersTimer: NodeJS.Timeout | undefined;
  const stopAll = () => {
    clearInterval(othersTimer);
    watches.stop();
  };
  const hardStop = setTimeout(() => {
    process.stderr.write(`  hard stop after ${settings.hardStopSeconds} s\n`);
    stopAll();
  }, settings.hardStopSeconds * 1000);
  const checkStopped = () => {
    if (watches.stopped) throw new Error(`distributions: stopped (hard stop after ${settings.hardStopSeconds} s, or interrupted)`);
  };
  const batch = new NamespaceBatch(core, SETUP_CONCURRENCY, 'regcred-dist');
  const linkBatch = new NamespaceBatch(core, SETUP_CONCURRENCY, 'regcred-dist-sa');
  cleanups.push(
    () => batch.remove(),
    () => linkBatch.remove(),
  );
  try {
    await applyCrd(kit);
    process.stderr.write(`  creating ${settings.namespaces} namespaces ${batch.prefix}-*, ${SETUP_CONCURRENCY} at a time\n`);
    let t = performance.now();
    const namespaces = await batch.create(settings.namespaces);
    const createNamespacesMs = performance.now() - t;
    checkStopped();

    const env = { REGCRED_CONTROLLER_RESYNC_SECONDS: String(settings.resyncSeconds) };
    const controller = await startController(kit, 'regcred (distributions)', env, cleanups);
    const { client, server } = controller;
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    cleanups.push(() => forget(client, custom, [name, linkName]));
    // Last registered, first run: on Ctrl-C every wait ends at once.
    cleanups.push(async () => stopAll());
    await watches.start();
    othersTimer = setInterval(() => noteOthers(watches, [name, linkName]), 250);

    process.stderr.write(`  cold start: PUT a distribution over ${settings.namespaces} namespaces\n`);
    const body = (password: string, selector: string, serviceAccounts: string[] = []) => ({
      ...CREDENTIAL,
      password,
      namespaceSelector: selector,
      serviceAccounts,
    });
    await client.putDistribution(name, body(PASSWORDS[0], batch.selector));
    t = performance.now();
    const [statusAt, lastCopyAt] = await Promise.all([
      watches.cr.until(() => statusOf(watches.cr, name)?.counts?.current === settings.namespaces, ROLLOUT_WAIT_MS),
      watches.copies.until(() => watches.copies.objects.size >= settings.namespaces, ROLLOUT_WAIT_MS),
    ]);
    const coldStart = {
      statusCurrentMs: statusAt === undefined ? null : round(statusAt - t, 0),
      lastCopySeenMs: lastCopyAt === undefined ? null : round(lastCopyAt - t, 0),
      met: statusAt !== undefined && statusAt - t <= targets.coldStartMsMax,
    };
    checkStopped();

    process.stderr.write(`  ${settings.events} new namespaces, one every ${settings.spacingMs} ms\n`);
    const newLatencies = await spaced(settings.events, settings.spacingMs, async (i) => {
      const namespace = await batch.add(`new-${i}`);
      return { latency: watches.copies.when(() => watches.copies.get(namespace, SECRET) !== undefined, EVENT_WAIT_MS) };
    });
    checkStopped();

    process.stderr.write(`  ${settings.links} new namespaces with a ServiceAccount to link, one every ${settings.spacingMs} ms\n`);
    const linkLatencies = await measureLinks(
      client,
      linkName,
      linkBatch,
      watches,
      core,
      settings,
      body(PASSWORDS[0], linkBatch.selector, ['default']),
      EVENT_WAIT_MS,
    );
    checkStopped();

    process.stderr.write(`  ${settings.events} copies deleted, one every ${settings.spacingMs} ms\n`);
    const restoreLatencies = await spaced(settings.events, settings.spacingMs, async (i) => {
      const namespace = namespaces[Math.floor((i * namespaces.length) / settings.events)]!;
      const uid = watches.copies.get(namespace, SECRET)?.metadata?.uid;
      await core.deleteNamespacedSecret({ namespace, name: SECRET });
      const restored = () => {
        const copy = watches.copies.get(namespace, SECRET);
        return copy !== undefined && copy.metadata?.uid !== uid;
      };
      return { latency: watches.copies.when(restored, EVENT_WAIT_MS) };
    });
    checkStopped();

    const copies = settings.namespaces + settings.events;
    process.stderr.write(`  rotation of ${copies} copies, with a reader\n`);
    const rotation = await readDuringRotation(core, watches, {
      name,
      namespaces: [...watches.copies.objects.values()].map((c) => c.metadata!.namespace!),
      secret: SECRET,
      server: CREDENTIAL.server,
      passwords: PASSWORDS,
      copies,
      waitMs: ROLLOUT_WAIT_MS,
      rotate: () => client.putDistribution(name, body(PASSWORDS[1], batch.selector)),
    });
    checkStopped();

    const noOp = await measureNoOp(client, core, custom, [name, linkName], settings.resyncSeconds);
    checkStopped();

    const peakRssMB = round(server.peakRssMB(), 1);
    const cpuSeconds = round(server.cpuSeconds(), 1);
    process.stderr.write('  removing both distributions (DELETE ?orphan=false, until gone)\n');
    t = performance.now();
    for (const n of [name, linkName]) await removeDistribution(client, n, DELETE_WAIT_MS);
    const deleteDistributionsMs = performance.now() - t;

    const newNamespace = summarizeLatencies(newLatencies);
    const restore = summarizeLatencies(restoreLatencies);
    const result: DistributionRun = {
      server: kit.server,
      kitStartedHere: kit.startedHere,
      harness: HARNESS,
      namespaces: settings.namespaces,
      setup: {
        createNamespacesMs: round(createNamespacesMs, 0),
        concurrency: SETUP_CONCURRENCY,
        leaderAfterStartMs: round(controller.leaderAfterMs, 0),
      },
      coldStart,
      newNamespace: { ...newNamespace, met: newNamespace.p99Ms <= targets.newNamespaceP99MsMax },
      serviceAccountLink: summarizeLatencies(linkLatencies),
      restore: { ...restore, met: restore.p99Ms <= targets.restoreP99MsMax },
      rotation,
      noOp: { ...noOp, met: noOp.writes <= targets.noOpWritesMax && noOp.copiesRewritten === 0 },
      cleanup: { deleteDistributionsMs: round(deleteDistributionsMs, 0) },
      regcredPeakRssMB: peakRssMB,
      regcredCpuSeconds: cpuSeconds,
      otherDistributions: watches.others.size,
      met: false,
      durationS: 0,
    };
    result.met = [result.coldStart, result.newNamespace, result.restore, result.rotation, result.noOp].every((x) => x.met);
    stopAll();
    // Idle from now on; its namespace goes with the final clean-up.
    await server.stop();
    process.stderr.write(`  removing the namespaces\n`);
    await batch.remove();
    await linkBatch.remove();
    result.durationS = round((performance.now() - started) / 1000, 1);
    return result;
  } finally {
    clearTimeout(hardStop);
    stopAll();
  }
}
