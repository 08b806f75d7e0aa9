import { performance } from 'node:perf_hooks';
import { CoreV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, applyCrd } from './distribution-setup.js';
import { startPrivateKit } from './kit.js';
import { round } from './load.js';
import { NamespaceBatch } from './namespace.js';
import { floorSecret, secretBytes } from './scale-floor.js';
import { RegcredDied, RunGuard, RunStopped } from './scale-guard.js';
import { topUpNamespaces } from './scale-namespaces.js';
import { benchScaleSize, type ScaleContext } from './scale-size.js';
import { SCALE_TARGETS, type ScaleResults, type ScaleSettings, type ScaleSizeRun } from './scale-types.js';

const CREDENTIAL = { server: 'registry.example.com', username: 'janedoe', passwords: ['s3cr3t-before', 's3cr3t-rotated'] as const };

export const SCALE_HARNESS =
  'one private kit (its own kube-apiserver 1.20 and etcd), namespaces grown from the smallest size to the largest and never deleted; per size a fresh ' +
  'regcred as deployed (compiled src/main.ts, start:prod V8 flags, token auth, kubernetes mode, controller on, REGCRED_CONTROLLER_RESYNC_SECONDS=3600 so no ' +
  'resync lands in a measurement) started with the namespaces present, then a second one (a restart, same REGCRED_NAMESPACE, short resync) for the resyncs; ' +
  "times from an answer to the first event showing the outcome through client-node's own Watch; percentiles by nearest rank";

/** The dockerconfigjson regcred writes for the bench's credential (the floor's Secrets carry the same). */
function dockerConfigJson(password: string): string {
  const auth = Buffer.from(`${CREDENTIAL.username}:${password}`).toString('base64');
  return JSON.stringify({ auths: { [CREDENTIAL.server]: { username: CREDENTIAL.username, password, auth } } });
}

/** BENCH_ONLY=scale: the distribution controller at growing namespace counts (issue 20), on a kit of its own. */
export async function benchScale(settings: ScaleSettings, cleanups: Array<() => Promise<void>>): Promise<ScaleResults> {
  const started = performance.now();
  const guard = new RunGuard(settings.hardStopSeconds);
  let finished = false;
  cleanups.push(async () => void (finished || guard.stop('interrupted')));
  const sizes: ScaleSizeRun[] = [];
  let stoppedEarly: string | undefined;
  let server: string | undefined;
  try {
    process.stderr.write('  starting a private kit\n');
    const kit = await startPrivateKit();
    // Registered before the regcreds' steps, so it runs after them; the whole kit goes, namespaces and all.
    cleanups.push(kit.stop);
    server = kit.server;
    await applyCrd(kit);
    const kubeConfig = adminKubeConfig(kit.kubeconfig);
    const batch = new NamespaceBatch(kubeConfig.makeApiClient(CoreV1Api), settings.setupConcurrency, 'regcred-scale');
    const context: ScaleContext = {
      kit,
      kubeConfig,
      batch,
      names: [],
      settings,
      guard,
      cleanups,
      credential: CREDENTIAL,
    };
    const secretFor = (namespace: string) =>
      floorSecret(namespace, dockerConfigJson(CREDENTIAL.passwords[0]), `scale-${context.names.length}`);
    for (const size of settings.sizes) {
      const t = performance.now();
      process.stderr.write(`scale: ${size} namespaces\n`);
      const run: ScaleSizeRun = {
        size,
        namespaces: 0,
        topUp: { created: 0, ms: 0, concurrency: settings.setupConcurrency },
        floor: {
          secrets: 0,
          ms: 0,
          beforeMs: 0,
          concurrency: settings.writeConcurrency,
          secretBytes: secretBytes(secretFor('x'.repeat(40))),
        },
        regcred: { met: false },
        durationS: 0,
      };
      sizes.push(run);
      try {
        run.topUp = await topUpNamespaces(batch, context.names, size, settings.setupConcurrency, guard);
        process.stderr.write(`  ${run.topUp.created} namespaces created in ${(run.topUp.ms / 1000).toFixed(1)} s\n`);
        run.namespaces = context.names.length;
        await benchScaleSize(context, run, secretFor);
      } catch (error) {
        if (error instanceof RegcredDied) {
          run.failure = error.failure;
          stoppedEarly = `regcred died at ${size} namespaces (${error.failure.step}); larger sizes not run`;
        } else if (error instanceof RunStopped || guard.reason) {
          stoppedEarly = guard.reason ?? (error as Error).message;
        } else {
          run.failure = { step: 'bench', message: (error as Error).stack ?? String(error) };
          stoppedEarly = `the bench failed at ${size} namespaces: ${(error as Error).message}`;
        }
      } finally {
        run.durationS = round((performance.now() - t) / 1000, 1);
      }
      if (stoppedEarly) break;
    }
  } catch (error) {
    stoppedEarly ??= guard.reason ?? `the bench failed: ${(error as Error).message}`;
  } finally {
    finished = true;
    guard.dispose();
  }
  return {
    targets: SCALE_TARGETS,
    harness: SCALE_HARNESS,
    ...(server ? { server } : {}),
    settings: { ...settings, resyncSecondsBySize: Object.fromEntries(settings.sizes.map((s) => [s, settings.resyncSeconds(s)])) },
    sizes,
    ...growthOf(sizes),
    ...(stoppedEarly ? { stoppedEarly } : {}),
    durationS: round((performance.now() - started) / 1000, 1),
  };
}

function growthOf(sizes: ScaleSizeRun[]): Pick<ScaleResults, 'newNamespaceGrowth'> {
  const measured = sizes.filter((s) => s.newNamespace && Number.isFinite(s.newNamespace.p99Ms));
  if (measured.length < 2) return {};
  const [first, last] = [measured[0]!, measured.at(-1)!];
  const ratio = round(last.newNamespace!.p99Ms / first.newNamespace!.p99Ms, 2);
  return { newNamespaceGrowth: { smallest: first.size, largest: last.size, ratio, met: ratio <= SCALE_TARGETS.newNamespaceGrowthMax } };
}
