import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { forget, removeDistribution, startController, type RegcredController } from './distribution-setup.js';
import { distributionWatches } from './distribution-watches.js';
import type { Kit } from './kit.js';
import { round } from './load.js';
import type { NamespaceBatch } from './namespace.js';
import { summarizeLatencies } from './report-distributions.js';
import { readDuringRotation } from './rotation-reader.js';
import { judgeAgainstFloor, measureFloor, secretBytes } from './scale-floor.js';
import { deathWatch, type RunGuard } from './scale-guard.js';
import { stepProfiler } from './scale-profiling.js';
import { firstReconcile, resyncWindow } from './scale-resync.js';
import { heapSnapshotter } from './heap-snapshot.js';
import { watchPauses } from './pause-watch.js';
import { ACCOUNT, coldStart, newNamespaces, SECRET } from './scale-steps.js';
import { SCALE_TARGETS, type ScaleSettings, type ScaleSizeRun } from './scale-types.js';

/** What one size shares with the run: the kit, the matching namespaces so far, and the credential to distribute. */
export interface ScaleContext {
  kit: Kit;
  kubeConfig: KubeConfig;
  batch: NamespaceBatch;
  /** Every matching namespace, in creation order; the new-namespace step adds to it. */
  names: string[];
  settings: ScaleSettings;
  guard: RunGuard;
  cleanups: Array<() => Promise<void>>;
  credential: { server: string; username: string; passwords: readonly [string, string] };
}

// Far beyond any measurement: a resync must not land inside the cold start, rotation or new namespaces.
const MAIN_RESYNC_SECONDS = 3600;
const MIN_WAIT_MS = 120_000;
// Past this many times the floor, a roll-out is reported as never done (a bound, not a target).
const WAIT_FLOOR_MULTIPLE = 5;

/**
 * One size of the scale bench (the namespaces are already there): the floor; regcred started with
 * them present, idle; cold start, rotation with a reader, new namespaces; its peak; then a second
 * regcred (a restart, short resync) over the same distribution for the no-op resyncs; the distribution deleted.
 */
export async function benchScaleSize(
  context: ScaleContext,
  run: ScaleSizeRun,
  floorSecretFor: (namespace: string) => V1Secret,
): Promise<void> {
  const { kit, kubeConfig, names, settings, guard, cleanups, credential } = context;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const n = names.length;
  const name = `scale-${n}`;
  const label = `scale-${n}`;
  process.stderr.write(`  floor: ${n} bare Secrets, ${settings.writeConcurrency} in flight\n`);
  const floorMs = await measureFloor(core, names, settings.writeConcurrency, floorSecretFor, guard);
  run.floor = { ...run.floor, secrets: n, ms: floorMs, beforeMs: floorMs };
  const waitMs = Math.max(MIN_WAIT_MS, floorMs * WAIT_FLOOR_MULTIPLE);
  const body = (password: string) => ({
    server: credential.server,
    username: credential.username,
    password,
    namespaceSelector: context.batch.selector,
    serviceAccounts: [ACCOUNT],
  });

  process.stderr.write(`  regcred with ${n} namespaces present\n`);
  let profiler = await stepProfiler(settings.profileDir, label);
  const env = { REGCRED_CONTROLLER_RESYNC_SECONDS: String(MAIN_RESYNC_SECONDS) };
  const snapshotter = settings.heapSnapshotDir ? heapSnapshotter() : undefined;
  const main = await startGuarded(kit, `regcred (scale ${n})`, env, cleanups, [...profiler.nodeFlags, ...(snapshotter?.flags() ?? [])]);
  const watches = distributionWatches(kubeConfig, name);
  let death = deathWatch(main.server, () => watches.stop());
  const forgetGuard = guard.onStop(() => watches.stop());
  cleanups.push(async () => watches.stop());
  const regcredRun = run.regcred;
  try {
    regcredRun.leaderAfterStartMs = round(main.leaderAfterMs, 0);
    await profiler.attach();
    await sleep(settings.idleSettleSeconds * 1000);
    regcredRun.idleRssMB = round(main.server.rssMB(), 1);
    const cpu = main.server.cpuSeconds();
    await sleep(settings.idleSettleSeconds * 1000);
    regcredRun.idleCpuPerSecond = round((main.server.cpuSeconds() - cpu) / settings.idleSettleSeconds, 4);
    death.check('idle');
    await watches.start();

    process.stderr.write(`  cold start: a distribution over ${n} namespaces\n`);
    const cold = await profiler.profiled('cold-start', () =>
      coldStart(main.client, watches, name, body(credential.passwords[0]), n, waitMs),
    );
    run.coldStart = { ...cold, floorRatio: null, met: false };
    judgeAgainstFloor(run);
    death.check('cold start');
    guard.check();
    const copy = watches.copies.objects.values().next().value;
    if (copy) run.floor.copyBytes = secretBytes({ metadata: { ...copy.metadata, ...cleanMetadata }, type: copy.type, data: copy.data });

    process.stderr.write(`  rotation of ${n} copies, with a reader\n`);
    const rotation = await profiler.profiled('rotation', () =>
      readDuringRotation(core, watches, {
        name,
        namespaces: names.slice(0, n),
        secret: SECRET,
        server: credential.server,
        passwords: credential.passwords,
        copies: n,
        waitMs,
        rotate: () => main.client.putDistribution(name, body(credential.passwords[1])),
      }),
    );
    run.rotation = { ...rotation, floorRatio: null };
    judgeAgainstFloor(run);
    death.check('rotation');
    guard.check();

    const events = settings.events[settings.sizes.indexOf(run.size)] ?? settings.events.at(-1)!;
    process.stderr.write(`  ${events} new namespaces with their ServiceAccount, one every ${settings.spacingMs} ms\n`);
    const pauses = await watchPauses(main.client);
    const latencies = await profiler.profiled('new-namespaces', () =>
      newNamespaces(context.batch, core, watches, names, { events, spacingMs: settings.spacingMs, tag: String(n), waitMs: 15_000 }),
    );
    const summary = summarizeLatencies(latencies);
    run.newNamespace = {
      ...summary,
      spacingMs: settings.spacingMs,
      met: summary.p99Ms <= SCALE_TARGETS.newNamespaceP99MsMax,
      pauses: await pauses.stop(),
    };
    death.check('new namespaces');
    guard.check();

    regcredRun.peakRssMB = round(main.server.peakRssMB(), 1);
    regcredRun.cpuSeconds = round(main.server.cpuSeconds(), 1);
    regcredRun.peakAboveIdleMB = round(regcredRun.peakRssMB - regcredRun.idleRssMB, 1);
    regcredRun.met = regcredRun.peakRssMB <= SCALE_TARGETS.peakRssMBMax && regcredRun.peakAboveIdleMB <= SCALE_TARGETS.peakAboveIdleMBMax;
    if (snapshotter && settings.heapSnapshotDir)
      await snapshotter.take(main.server.pid, Number(new URL(main.server.url).port), `${settings.heapSnapshotDir}/scale-${n}.heapsnapshot`);
  } finally {
    watches.stop();
    forgetGuard();
    profiler.close();
    run.profiles = { ...profiler.summaries };
    death.expectExit();
    await main.server.stop();
  }
  if (settings.floorAfter) {
    process.stderr.write(`  floor again, regcred stopped: ${n} bare Secrets\n`);
    run.floor.afterMs = await measureFloor(core, names.slice(0, n), settings.writeConcurrency, floorSecretFor, guard);
    run.floor.ms = Math.min(run.floor.beforeMs, run.floor.afterMs);
    judgeAgainstFloor(run);
  }

  const copies = names.length;
  const resyncSeconds = settings.resyncSeconds(copies);
  process.stderr.write(`  restart (resync every ${resyncSeconds} s): ${copies} unchanged copies\n`);
  profiler = await stepProfiler(settings.profileDir, `${label}-restart`);
  const again = await startGuarded(
    kit,
    `regcred (scale ${n}, restarted)`,
    { REGCRED_CONTROLLER_RESYNC_SECONDS: String(resyncSeconds) },
    cleanups,
    profiler.nodeFlags,
    main.ownNamespace,
  );
  death = deathWatch(again.server, () => undefined);
  try {
    await profiler.attach();
    const first = await firstReconcile(again.client, name, waitMs, () => again.server.exit() !== undefined);
    death.check('restart');
    await sleep(2000);
    const window = await profiler.profiled('resync', () =>
      resyncWindow(again.client, again.server, core, custom, name, resyncSeconds, regcredRun.idleCpuPerSecond),
    );
    death.check('resync');
    run.resync = {
      resyncSeconds,
      firstReconcileAfterStartMs: first.ms === null ? null : round(first.ms + again.leaderAfterMs, 0),
      restartWrites: first.writes,
      ...window,
      peakRssMB: round(again.server.peakRssMB(), 1),
      met: window.writes <= SCALE_TARGETS.resyncWritesMax && window.copiesRewritten === 0 && window.reconciles > 0,
    };
    process.stderr.write(`  deleting the distribution (${copies} copies)\n`);
    const started = performance.now();
    run.deleteDistributionMs = await removeDistribution(again.client, name, waitMs).then(
      () => round(performance.now() - started, 0),
      () => null,
    );
    death.check('delete');
  } finally {
    profiler.close();
    run.profiles = { ...run.profiles, ...profiler.summaries };
    if (run.deleteDistributionMs === undefined || run.deleteDistributionMs === null)
      await forget(again.client, custom, [name]).catch(() => undefined);
    death.expectExit();
    await again.server.stop();
  }
}

// The server-set fields, left out when a copy's size is compared with the floor's Secret.
const cleanMetadata = { uid: undefined, resourceVersion: undefined, creationTimestamp: undefined, managedFields: undefined };

function startGuarded(
  kit: Kit,
  name: string,
  env: Record<string, string>,
  cleanups: Array<() => Promise<void>>,
  nodeFlags: string[],
  ownNamespace?: string,
): Promise<RegcredController> {
  return startController(kit, name, env, cleanups, { nodeFlags, ...(ownNamespace ? { ownNamespace } : {}) });
}
