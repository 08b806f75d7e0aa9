import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { arrangeWorld, canaryLeaks, sendHostile } from '../../test/resilience/fuzz/distribution-fuzz.js';
import { distributionFuzzWorld, hostileObjects } from '../../test/resilience/fuzz/distribution-objects.js';
import { apiServerStage } from '../../test/resilience/fuzz/distribution-stages.js';
import { probeHealthz, type HealthzLatency } from '../../test/resilience/fuzz/healthz-probe.js';
import { adminKubeConfig, applyCrd, startController } from './distribution-setup.js';
import { fixed } from './format.js';
import { startPrivateKit } from './kit.js';

export interface DistributionFuzzSettings {
  /** Hostile objects sent (test/resilience/fuzz/distribution-objects.ts), 4 at a time. */
  objects: number;
  seed: number;
  /** /healthz is probed this long after the last object too: the controller works on after the sends. */
  settleSeconds: number;
  probeIntervalMs: number;
}

export type DistributionFuzzResults =
  | { skipped: string }
  | {
      harness: string;
      objects: number;
      seed: number;
      seconds: number;
      /** What the API server answered: `create created`, `create 422`, `delete deleted`… */
      outcomes: Record<string, number>;
      healthz: HealthzLatency;
      /** Canaries found outside the Secrets they may be in (none expected). */
      leaks: string[];
    };

const HARNESS =
  'regcred as deployed (compiled src/main.ts, start:prod V8 flags, controller and leader election on) in a child process over a private kit with the current CRD; ' +
  'the objects of the distribution fuzzer sent straight to the API server by the bench, /healthz asked by the bench on one kept-alive connection, ' +
  'latency counted from when each probe was due (no coordinated omission)';

/** The distribution fuzzer's objects against regcred as deployed, with its /healthz probed throughout: its worst latency. */
export async function benchDistributionFuzz(
  settings: DistributionFuzzSettings,
  cleanups: Array<() => Promise<void>>,
): Promise<DistributionFuzzResults> {
  const started = performance.now();
  // A kit of its own: objects without spec.source.namespace would be taken by any other regcred on the kit.
  const kit = await startPrivateKit();
  cleanups.push(kit.stop);
  await applyCrd(kit);
  const controller = await startController(kit, 'regcred (distribution fuzz)', { REGCRED_CONTROLLER_RESYNC_SECONDS: '30' }, cleanups);
  const stage = apiServerStage(adminKubeConfig(kit.kubeconfig));
  const world = distributionFuzzWorld(controller.ownNamespace, settings.seed);
  await arrangeWorld(stage, world);
  const deadline = performance.now() + 30_000;
  const victimCopy = async () => (await stage.secrets()).some((s) => s.namespace === world.victim.namespace);
  while (!(await victimCopy())) {
    if (performance.now() > deadline) throw new Error('the victim distribution got no copy within 30 s');
    await sleep(200);
  }
  const objects = hostileObjects(world, settings.objects, settings.seed);
  process.stderr.write(`  ${objects.length} hostile objects, /healthz every ${settings.probeIntervalMs} ms\n`);
  const probe = probeHealthz(controller.server.url, { intervalMs: settings.probeIntervalMs });
  const outcomes = await sendHostile(stage, objects, 4);
  await sleep(settings.settleSeconds * 1000);
  const healthz = await probe.stop();
  const leaks = canaryLeaks(world, await stage.secrets());
  return {
    harness: HARNESS,
    objects: objects.length,
    seed: settings.seed,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    outcomes,
    healthz,
    leaks,
  };
}

export function distributionFuzzLines(r: DistributionFuzzResults): string[] {
  if ('skipped' in r) return ['', `distribution fuzz: SKIPPED (${r.skipped})`];
  const { healthz } = r;
  return [
    '',
    `distribution fuzz: ${r.objects} hostile PullSecretDistribution objects (seed ${r.seed}), ${r.seconds} s`,
    `  ${r.harness}`,
    `  API server answers: ${Object.entries(r.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  /healthz: ${healthz.probes} probes, worst ${fixed(healthz.worstMs, 1)} ms, p99 ${fixed(healthz.p99Ms, 1)} ms, ${healthz.failures} failed`,
    `  canaries outside their Secrets: ${r.leaks.length ? r.leaks.join('; ') : 'none'}`,
  ];
}
