import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, applyCrd, startController } from './distribution-setup.js';
import { startPrivateKit } from './kit.js';
import { round } from './load.js';
import { NamespaceBatch, uniqueName } from './namespace.js';
import type { DistributionTargets, OutageRun } from './report-distributions.js';

export interface OutageSettings {
  /** One new matching namespace this often, before, during and after the outage. */
  churnEveryMs: number;
  /** Churn before the stop, and after the restart. */
  churnBeforeMs: number;
  churnAfterMs: number;
  /** How long the API server stays stopped. */
  outageMs: number;
  resyncSeconds: number;
  /** How long to wait, after the churn, for every copy. */
  settleWaitMs: number;
}

const POLL_MS = 250;

const HARNESS =
  'a private kit (its own kube-apiserver and etcd), regcred as deployed on it (compiled src/main.ts, REGCRED_LEASE_DURATION_SECONDS and REGCRED_WATCH_TIMEOUT_SECONDS at ' +
  'their defaults), one distribution over a label; a matching namespace created every churn period (failures while the server is down counted, not retried under the ' +
  'same name), apiserver.sh stop, the outage, apiserver.sh start (returns once /readyz answers); then the API server is listed every 250 ms for matching namespaces ' +
  'without their copy';

/** Part 6: the API server stopped under namespace churn; afterwards every matching namespace must have its copy. */
export async function benchDistributionOutage(
  settings: OutageSettings,
  targets: DistributionTargets,
  cleanups: Array<() => Promise<void>>,
): Promise<OutageRun> {
  const started = performance.now();
  process.stderr.write('  starting a private kit\n');
  const kit = await startPrivateKit();
  // The whole kit goes at the end: namespaces, copies and the distribution with it.
  cleanups.push(kit.stop);
  let down = false;
  await applyCrd(kit);
  const core = adminKubeConfig(kit.kubeconfig).makeApiClient(CoreV1Api);
  const batch = new NamespaceBatch(core, 16, 'regcred-churn');
  const env = { REGCRED_CONTROLLER_RESYNC_SECONDS: String(settings.resyncSeconds) };
  const { client } = await startController(kit, 'regcred (outage)', env, cleanups);
  // Registered after the controller's own steps, so it runs before them: they need the API server.
  cleanups.push(async () => {
    if (down) await kit.apiserver('start');
  });
  const name = uniqueName('bench-churn');
  await client.putDistribution(name, {
    server: 'registry.example.com',
    username: 'janedoe',
    password: 's3cr3t',
    namespaceSelector: batch.selector,
    serviceAccounts: [],
  });

  const churn = { created: 0, failed: 0, running: true, lastCreatedAt: 0 };
  const churning = (async () => {
    for (let i = 0; churn.running; i++) {
      const t = performance.now();
      await batch.add(String(i).padStart(4, '0')).then(
        () => {
          churn.created++;
          churn.lastCreatedAt = performance.now();
        },
        () => churn.failed++,
      );
      await sleep(Math.max(0, settings.churnEveryMs - (performance.now() - t)));
    }
  })();
  let leaderLost = false;
  const leaderWatch = setInterval(() => {
    void client.metric('regcred_controller_leader').then(
      (v) => (leaderLost ||= v !== 1),
      () => undefined,
    );
  }, 200);
  try {
    await sleep(settings.churnBeforeMs);
    process.stderr.write(`  stopping the API server for ${settings.outageMs / 1000} s under churn\n`);
    down = true;
    await kit.apiserver('stop');
    await sleep(settings.outageMs);
    const startAt = performance.now();
    await kit.apiserver('start');
    down = false;
    const readyAt = performance.now();
    const leaderAgain = (async () => {
      while (performance.now() - readyAt < settings.settleWaitMs) {
        if ((await client.metric('regcred_controller_leader').catch(() => 0)) === 1) return performance.now() - readyAt;
        await sleep(100);
      }
      return null;
    })();
    let backlog: Set<string> | undefined;
    let backlogClearedAt: number | undefined;
    const churnEnd = sleep(settings.churnAfterMs).then(() => {
      churn.running = false;
      return churning;
    });
    let churnOver = false;
    void churnEnd.then(() => (churnOver = true));
    let found = { matching: 0, missing: Infinity };
    let allPresentAt: number | undefined;
    const deadline = readyAt + settings.churnAfterMs + settings.settleWaitMs;
    while (performance.now() < deadline) {
      const wasOver = churnOver;
      const missing = await missingCopies(core, batch.selector, name).catch(() => undefined);
      if (missing) {
        backlog ??= new Set(missing.matching);
        if (backlogClearedAt === undefined && ![...backlog].some((n) => missing.without.has(n))) backlogClearedAt = performance.now();
        found = { matching: missing.matching.length, missing: missing.without.size };
        if (wasOver && missing.without.size === 0) {
          allPresentAt = performance.now();
          break;
        }
      }
      await sleep(POLL_MS);
    }
    await churnEnd;
    const leaderAfterRestartMs = await leaderAgain;
    return {
      server: kit.server,
      harness: HARNESS,
      restartMs: round(readyAt - startAt, 0),
      created: churn.created,
      failedCreates: churn.failed,
      matching: found.matching,
      missing: found.missing,
      backlogClearedAfterRestartMs: backlogClearedAt === undefined ? null : round(backlogClearedAt - readyAt, 0),
      allPresentAfterLastCreateMs: allPresentAt === undefined ? null : round(Math.max(0, allPresentAt - churn.lastCreatedAt), 0),
      leaderLost,
      leaderAfterRestartMs: leaderAfterRestartMs === null ? null : round(leaderAfterRestartMs, 0),
      met: found.missing <= targets.missingMax,
      durationS: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    churn.running = false;
    clearInterval(leaderWatch);
    await churning;
  }
}

/** The matching namespaces, and those of them without the distribution's copy. */
async function missingCopies(core: CoreV1Api, selector: string, name: string): Promise<{ matching: string[]; without: Set<string> }> {
  const [namespaces, copies] = await Promise.all([
    core.listNamespace({ labelSelector: selector }),
    core.listSecretForAllNamespaces({ labelSelector: `regcred.io/distribution=${name}` }),
  ]);
  const withCopy = new Set(copies.items.map((s) => s.metadata!.namespace!));
  const matching = namespaces.items.map((n) => n.metadata!.name!);
  return { matching, without: new Set(matching.filter((n) => !withCopy.has(n))) };
}
