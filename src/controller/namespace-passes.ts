import pLimit from 'p-limit';
import type { DesiredCopy } from '../domain/distributions/desired-copy.js';
import type { DistributionObject } from '../domain/distributions/distribution.js';
import type { DistributionNamespaceOutcome } from '../domain/distributions/distribution-ledger.js';
import {
  keepsCopy,
  namespaceTargeting,
  planNamespaceIn,
  planRemovals,
  targetedNamespaces,
  type DistributionWorld,
  type NamespacePlan,
  type Removal,
} from '../domain/distributions/plan-distribution.js';
import { carryOut, removeCopy, type Count } from './copy-writes.js';
import type { LedgerRecord } from './ledger-book.js';
import { MAX_PODS_REPORTED, podsLackingSecret } from './pods-lacking-secret.js';
import type { ReconcileDependencies } from './reconcile-dependencies.js';

/** Namespaces planned and written at a time: memory stays that of one slice, however many namespaces there are. */
const SLICE = 256;

interface Written {
  retry: boolean;
  /** Namespaces where ServiceAccounts were linked. */
  linked: string[];
}

export interface PassResult {
  retry: boolean;
  planned: number;
}

/** Every namespace the distribution targets, a slice at a time; then the copies it must remove, and the ledger keeps only those targeted. */
export async function passOverAll(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  desired: DesiredCopy,
  record: LedgerRecord,
  now: Date,
  count: Count,
  progress: () => Promise<void> = async () => undefined,
): Promise<PassResult> {
  const world = worldOf(deps, distribution, desired);
  const names = targetedNamespaces(world);
  const targets = targetingByName(world, namespaceTargeting(distribution.spec));
  const kept = new Set<string>();
  const limit = pLimit(deps.concurrency);
  const linked: string[] = [];
  let retry = false;
  let planned = 0;
  // Two slices at most: one being written while the next is planned, so the writes never pause between slices.
  let previous: Promise<Written> | undefined;
  const absorb = (written: Written) => {
    retry ||= written.retry;
    linked.push(...written.linked);
  };
  for (let i = 0; i < names.length; i += SLICE) {
    if (deps.signal?.aborted) break;
    const plans: NamespacePlan[] = [];
    for (const name of names.slice(i, i + SLICE)) {
      await deps.pause?.();
      // Relabelled since the pass began (its event may have been taken between slices): no longer this pass's.
      if (!targets(name)) continue;
      const plan = planNamespaceIn(world, name, record.ledger.get(name));
      if (keepsCopy(plan)) kept.add(name);
      plans.push(plan);
    }
    planned += plans.length;
    const current = carryOutPlans(deps, distribution, desired, plans, record, now, count, limit);
    if (previous) absorb(await previous);
    previous = current;
    await progress();
    // A new namespace waits for a slice of this pass, not for all of it.
    const meanwhile = deps.eventsMeanwhile?.() ?? [];
    if (meanwhile.length > 0) {
      // Never beside a slice's writes: both could plan the same namespace.
      absorb(await previous);
      previous = undefined;
      const some = await passOverSome(deps, distribution, desired, record, targets, meanwhile, now, count);
      retry ||= some.retry;
      planned += some.planned;
    }
  }
  if (previous) absorb(await previous);
  if (deps.signal?.aborted) return { retry: false, planned };
  record.ledger.retainOnly(targets);
  const reported = record.ledger.podsLackingSecret.map((p) => p.namespace);
  const finished = await finish(deps, distribution, record, planRemovals(world, kept), [...linked, ...reported], limit, count);
  return { retry: retry || finished.retry, planned };
}

/** Only these namespaces (new, relabelled, a copy or ServiceAccount changed there): the work of one event is that of its namespace. */
export async function passOverSome(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  desired: DesiredCopy,
  record: LedgerRecord,
  targets: (namespace: string) => boolean,
  namespaces: Iterable<string>,
  now: Date,
  count: Count,
): Promise<PassResult> {
  const world = worldOf(deps, distribution, desired);
  const { secretName } = distribution.spec;
  const names = [...new Set(namespaces)];
  const kept = new Set<string>();
  const dropped = new Set<string>();
  const linked: string[] = [];
  const limit = pLimit(deps.concurrency);
  let retry = false;
  // A slice at a time, as a full pass: a relist can name every namespace at once.
  for (let i = 0; i < names.length; i += SLICE) {
    const plans: NamespacePlan[] = [];
    for (const name of names.slice(i, i + SLICE)) {
      await deps.pause?.();
      const plan = targets(name) ? planNamespaceIn(world, name, record.ledger.get(name)) : undefined;
      if (plan) plans.push(plan);
      else record.ledger.forget(name);
      if (plan && keepsCopy(plan)) kept.add(name);
      else dropped.add(name);
    }
    const written = await carryOutPlans(deps, distribution, desired, plans, record, now, count, limit);
    retry ||= written.retry;
    linked.push(...written.linked);
  }
  // A copy in a namespace that stopped being targeted goes (the name only: other names are a change of spec, a full pass).
  const copies = [...dropped].flatMap((namespace) => deps.caches.copy(namespace, secretName) ?? []);
  const reported = record.ledger.podsLackingSecret.map((p) => p.namespace).filter((n) => kept.has(n));
  const finished = await finish(deps, distribution, record, planRemovals(world, kept, copies), [...linked, ...reported], limit, count);
  // Each one looked at, targeted or not.
  return { retry: retry || finished.retry, planned: names.length };
}

/** Whether the spec names or selects a namespace, by name (one unknown to the cache has no labels). */
export function targetingByName(
  world: Pick<DistributionWorld, 'namespaceNamed'>,
  targets: ReturnType<typeof namespaceTargeting>,
): (namespace: string) => boolean {
  return (name) => targets(world.namespaceNamed(name) ?? { name, labels: {} });
}

/** After the copies and links: the copies that must go, then the Pods admitted before a link. */
async function finish(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  record: LedgerRecord,
  removals: readonly Removal[],
  podNamespaces: readonly string[],
  limit: ReturnType<typeof pLimit>,
  count: Count,
): Promise<{ retry: boolean }> {
  const removed = await Promise.all(removals.map((r) => limit(() => removeCopy(deps, distribution, r, count))));
  await checkPods(deps, distribution, record, podNamespaces);
  return { retry: removed.includes(false) };
}

export function worldOf(deps: ReconcileDependencies, distribution: DistributionObject, desired: DesiredCopy): DistributionWorld {
  return {
    distribution,
    desired,
    namespaces: deps.caches.namespaces(),
    namespaceNamed: (name) => deps.caches.namespace(name),
    secretIn: (namespace, secretName) => deps.caches.copy(namespace, secretName),
    get labelledCopies() {
      return deps.caches.copiesOf(distribution.name);
    },
    serviceAccountsIn: (namespace) => deps.caches.serviceAccountsIn(namespace),
    formerLinks: (namespace, secretName) => deps.caches.formerLinks?.(namespace, secretName) ?? [],
    denyNamespaces: deps.denyNamespaces,
    ownNamespace: deps.ownNamespace,
    proofKey: deps.proofKey,
  };
}

async function carryOutPlans(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  desired: DesiredCopy,
  plans: readonly NamespacePlan[],
  record: LedgerRecord,
  now: Date,
  count: Count,
  limit: ReturnType<typeof pLimit>,
): Promise<Written> {
  const stamp = now.toISOString();
  let retry = false;
  const linked: string[] = [];
  await Promise.all(
    plans.map((plan) =>
      limit(async () => {
        const before = record.ledger.get(plan.namespace);
        const outcome = await carryOut(deps, distribution, desired, plan, count);
        if (outcome.retry) retry = true;
        if (outcome.drift) deps.observer.restored(distribution, plan.namespace, outcome.drift);
        if ((outcome.linked?.length ?? 0) > 0) linked.push(plan.namespace);
        reportFailure(deps, distribution, outcome, before);
        record.ledger.record(outcome, stamp);
      }),
    ),
  );
  return { retry, linked };
}

/** Pods admitted before their ServiceAccount was linked, looked for in these namespaces (at most a few per pass). */
async function checkPods(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  record: LedgerRecord,
  namespaces: readonly string[],
): Promise<void> {
  if (namespaces.length === 0) return;
  const { checked, found } = await podsLackingSecret(deps, distribution, record.ledger.podsLackingSecret, namespaces);
  record.ledger.podsFound(checked, found, MAX_PODS_REPORTED);
}

/** An Event and a warning only when a namespace's failure is new or its reason changed, not on every retry. */
function reportFailure(
  deps: ReconcileDependencies,
  distribution: DistributionObject,
  outcome: DistributionNamespaceOutcome,
  before: { state: string; reason?: string } | undefined,
): void {
  if (outcome.state !== 'failed' && outcome.state !== 'forbidden') {
    deps.memory.settled(distribution.name, outcome.namespace);
    return;
  }
  const failure = `${outcome.state}: ${outcome.reason ?? ''}`;
  const recorded =
    before && (before.state === 'failed' || before.state === 'forbidden') ? `${before.state}: ${before.reason ?? ''}` : undefined;
  if (deps.memory.shouldReport(distribution.name, outcome.namespace, failure, recorded))
    deps.observer.failed(distribution, outcome.namespace, outcome.reason ?? outcome.state);
}
