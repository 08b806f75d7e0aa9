import { Buffer } from 'node:buffer';
import type { Cluster } from '../../../src/domain/cluster.js';
import { DISTRIBUTION_LABEL, DISTRIBUTION_SOURCE_LABEL } from '../../../src/domain/distributions/distribution.js';
import type { SecretDraft } from '../../../src/domain/kubernetes/secret.js';
import type { DistributionFuzzWorld, HostileObject } from './distribution-objects.js';
import type { DistributionFuzzStage, StoredSecret } from './distribution-stages.js';

// The steps of a distribution fuzz run, shared by test/resilience/fuzz-distribution-objects.test.ts
// and the bench: the world, the objects sent, and the one property that matters most: no canary
// where its Secret's owner did not send it.

const MANAGED = { 'app.kubernetes.io/managed-by': 'regcred' };

/** The namespaces and Secrets the objects aim at (the controller's own namespace exists already), and the victim distribution. */
export async function arrangeWorld(stage: DistributionFuzzStage, w: DistributionFuzzWorld): Promise<void> {
  const [victim, plain, kube, other] = w.canaries.map((c) => c.text);
  for (const name of [...w.teams, w.victim.namespace]) await stage.createNamespace(name, { team: w.teamLabel });
  await stage.createNamespace(w.otherInstallation, {});
  await stage.createPullSecret(w.own, w.victim.source, { ...MANAGED, [DISTRIBUTION_SOURCE_LABEL]: w.victim.name }, victim!);
  await stage.createPullSecret(w.own, w.plainSource, {}, plain!);
  await stage.createPullSecret('kube-system', w.kubeSystemSecret, {}, kube!);
  // Another installation's source of the same name: only that installation may read it.
  await stage.createPullSecret(w.otherInstallation, w.victim.source, { ...MANAGED, [DISTRIBUTION_SOURCE_LABEL]: w.victim.name }, other!);
  const created = await stage.create({
    apiVersion: 'regcred.io/v1alpha1',
    kind: 'PullSecretDistribution',
    metadata: { name: w.victim.name },
    spec: { secretName: w.victim.secretName, source: { secretName: w.victim.source, namespace: w.own }, namespaces: [w.victim.namespace] },
  });
  if (created !== 'created') throw new Error(`the victim distribution was not created: ${created}`);
}

/** Sends the objects `concurrency` at a time; each one's follow-up (spec replaced, deleted) only when it was created. Counts the outcomes. */
export async function sendHostile(
  stage: DistributionFuzzStage,
  objects: readonly HostileObject[],
  concurrency: number,
): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  const count = (what: string) => (outcomes[what] = (outcomes[what] ?? 0) + 1);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      const { body, then } = objects[i]!;
      const created = await stage.create(body);
      count(`create ${created}`);
      if (created !== 'created' || then.kind === 'keep') continue;
      const name = (body.metadata as { name: string }).name;
      count(`${then.kind} ${then.kind === 'delete' ? await stage.remove(name) : await stage.replaceSpec(name, then.spec)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** Every Secret holding a canary other than those it is allowed in, as "<canary> in <namespace>/<name>". */
export function canaryLeaks(w: DistributionFuzzWorld, secrets: readonly Pick<StoredSecret, 'namespace' | 'name' | 'text'>[]): string[] {
  const leaks: string[] = [];
  for (const secret of secrets)
    for (const canary of w.canaries)
      if (secret.text.includes(canary.text) && !canary.allowed.includes(`${secret.namespace}/${secret.name}`))
        leaks.push(`${canary.text.split('-')[0]} in ${secret.namespace}/${secret.name}`);
  return leaks;
}

/**
 * The controller's cluster port, checking every Secret it writes before the write: a canary bound
 * for a namespace it is not allowed in is recorded even when the write then fails.
 */
export function leakCheckingCluster(cluster: Cluster, w: DistributionFuzzWorld, leaks: string[]): Cluster {
  const check = (draft: SecretDraft) => {
    const text = Object.values(draft.data)
      .map((v) => Buffer.from(v, 'base64').toString('utf8'))
      .join('\n');
    leaks.push(...canaryLeaks(w, [{ namespace: draft.namespace, name: draft.name, text }]).map((l) => `write of ${l}`));
    for (const canary of w.canaries) {
      const by = draft.labels[DISTRIBUTION_LABEL];
      if (canary.copiedBy && draft.namespace !== w.own && text.includes(canary.text) && by !== canary.copiedBy)
        leaks.push(
          `write of ${canary.text.split('-')[0]} by distribution "${String(by).slice(0, 40)}" to ${draft.namespace}/${draft.name}`,
        );
    }
  };
  return new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'createSecret' || property === 'replaceSecret')
        return (draft: SecretDraft, ...rest: unknown[]) => {
          check(draft);
          return (value as (...args: unknown[]) => unknown).call(target, draft, ...rest);
        };
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}
