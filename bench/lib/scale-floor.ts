import { performance } from 'node:perf_hooks';
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { perCallOptions } from '../../src/cluster/kubernetes/cluster.js';
import { KeepAliveAgents } from '../../src/cluster/kubernetes/keep-alive-agent.js';
import { round } from './load.js';
import type { RunGuard } from './scale-guard.js';
import { SCALE_TARGETS, type ScaleSizeRun } from './scale-types.js';

const FLOOR_SECRET = 'regcred-floor';

/**
 * A Secret the size of a distribution's copy (same type, same `.dockerconfigjson`, labels and
 * annotations of the same lengths) but none of regcred's marks, so no controller ever takes it for one.
 */
export function floorSecret(namespace: string, dockerConfigJson: string, distributionName: string): V1Secret {
  return {
    metadata: {
      name: FLOOR_SECRET,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'regcred-bench', 'regcred.bench/distribution': distributionName },
      annotations: {
        'regcred.bench/content-hash': `sha256:${'0'.repeat(16)}`,
        'regcred.bench/distribution-uid': '00000000-0000-0000-0000-000000000000',
        'regcred.bench/ownership-proof': `v1:${'A'.repeat(43)}`,
      },
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(dockerConfigJson).toString('base64') },
  };
}

/** The size of a Secret as the bench compares them: its JSON. */
export function secretBytes(secret: object): number {
  return Buffer.byteLength(JSON.stringify(secret));
}

const CALL_TIMEOUT_MS = 30_000;

/**
 * The floor: how long the kit takes to create one such Secret in each namespace, `concurrency`
 * writes in flight (as regcred's controller keeps) over regcred's own keep-alive agent (client-node
 * alone opens a TLS connection per call); the Secrets are then deleted again (not timed), so they
 * weigh on no later list.
 */
export async function measureFloor(
  core: CoreV1Api,
  namespaces: readonly string[],
  concurrency: number,
  secretFor: (namespace: string) => V1Secret,
  guard: RunGuard,
): Promise<number> {
  const limit = pLimit(concurrency);
  const agents = new KeepAliveAgents();
  const options = () => perCallOptions(AbortSignal.timeout(CALL_TIMEOUT_MS), agents);
  const create = (namespace: string) => core.createNamespacedSecret({ namespace, body: secretFor(namespace) }, options());
  const remove = (namespace: string) => core.deleteNamespacedSecret({ namespace, name: FLOOR_SECRET }, options());
  const each = (act: (namespace: string) => Promise<unknown>, among = namespaces) =>
    Promise.all(
      among.map((namespace) =>
        limit(() => {
          guard.check();
          return act(namespace);
        }),
      ),
    );
  // Warm the bench's client first (connections, TLS, JIT), as a running regcred's is: only the writes are timed.
  const warmUp = namespaces.slice(0, 2 * concurrency);
  try {
    await each(create, warmUp);
    await each(remove, warmUp);
    const started = performance.now();
    await each(create);
    const ms = performance.now() - started;
    await each(remove);
    return Math.round(ms);
  } finally {
    agents.destroy();
  }
}

/** The cold start's and the rotation's ratios to the floor, and their verdicts, from the floor as measured so far. */
export function judgeAgainstFloor(run: ScaleSizeRun): void {
  const ratio = (ms: number | null) => (ms === null ? null : round(ms / run.floor.ms, 2));
  const within = (r: number | null) => r !== null && r <= SCALE_TARGETS.floorRatioMax;
  if (run.coldStart) {
    run.coldStart.floorRatio = ratio(run.coldStart.statusCurrentMs);
    run.coldStart.met = within(run.coldStart.floorRatio);
  }
  if (run.rotation) {
    run.rotation.floorRatio = ratio(run.rotation.rolledOutMs);
    run.rotation.met = run.rotation.missingReads === 0 && run.rotation.invalidReads === 0 && within(run.rotation.floorRatio);
  }
}
