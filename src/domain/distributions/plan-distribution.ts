import { grantsNamespace } from '../access/access-policy.js';
import type { ServiceAccountObject } from '../cluster.js';
import { matchesLabelSelector, parseLabelSelector } from '../kubernetes/label-selector.js';
import { DOCKER_CONFIG_JSON_TYPE, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type SecretDraft, type SecretObject } from '../kubernetes/secret.js';
import type { DesiredCopy } from './desired-copy.js';
import {
  ALL_SERVICE_ACCOUNTS,
  CONTENT_HASH_ANNOTATION,
  DISTRIBUTION_LABEL,
  EXCLUDE_NAMESPACE_LABEL,
  type DistributionObject,
  type DistributionSpec,
  type NamespaceState,
  type NamespaceStatus,
} from './distribution.js';
import type { NamespaceObject } from './distribution-cluster.js';

/** What the controller knows of the cluster when it reconciles one distribution (its informers' caches). */
export interface DistributionWorld {
  distribution: DistributionObject;
  desired: DesiredCopy;
  namespaces: readonly NamespaceObject[];
  /** The Secret named `spec.secretName` in a namespace, if the cache holds one (only labelled Secrets are cached). */
  secretIn(namespace: string, name: string): SecretObject | undefined;
  /** Every Secret labelled as made by this distribution, wherever it is and whatever its name. */
  ownCopies: readonly SecretObject[];
  serviceAccountsIn(namespace: string): readonly ServiceAccountObject[];
  /** The service's deny list (globs): never written, whatever a distribution says. */
  denyNamespaces: readonly string[];
}

export type CopyWrite = { kind: 'create'; draft: SecretDraft } | { kind: 'replace'; draft: SecretDraft & { resourceVersion: string } };

export interface NamespacePlan {
  namespace: string;
  /** What the namespace is if every step below succeeds. */
  state: NamespaceState;
  reason?: string;
  write?: CopyWrite;
  /** The copy was current and someone changed or deleted it: this write restores it. */
  drift?: 'edited' | 'deleted';
  /** ServiceAccounts that must get `spec.secretName` added to their imagePullSecrets. */
  links: ServiceAccountObject[];
  /** The content hash the copy has now (before any write). */
  currentHash?: string;
  /** The namespace is named but does not exist (yet). */
  absent?: boolean;
}

export interface Removal {
  copy: SecretObject;
  /** ServiceAccounts of its namespace that reference it and that the distribution links: their reference goes too. */
  unlinks: ServiceAccountObject[];
}

export interface DistributionPlan {
  namespaces: NamespacePlan[];
  removals: Removal[];
}

/**
 * Compares what a distribution asks for with what the cluster holds, and says what to write. Pure:
 * the controller carries it out. A namespace is targeted when it is named or its labels match the
 * selector, unless excluded (spec, deny list, `regcred.io/exclude=true`, being deleted). Only Secrets
 * labelled with this distribution's name are ever changed or removed; a Secret of the same name that
 * this distribution did not make is reported, never touched.
 */
export function planDistribution(world: DistributionWorld, previous: ReadonlyMap<string, NamespaceStatus>): DistributionPlan {
  const { spec } = world.distribution;
  const existing = new Map(world.namespaces.map((n) => [n.name, n]));
  const targets = namespaceTargeting(spec);
  const candidates = new Set<string>(spec.namespaces ?? []);
  for (const n of world.namespaces) if (targets(n)) candidates.add(n.name);

  const plans: NamespacePlan[] = [];
  const kept = new Set<string>();
  for (const name of [...candidates].sort()) {
    const namespace = existing.get(name);
    const excluded = exclusionOf(world, name, namespace);
    if (excluded) {
      plans.push({ namespace: name, state: 'excluded', reason: excluded, links: [] });
      continue;
    }
    if (!namespace) {
      plans.push({ namespace: name, state: 'pending', reason: 'the namespace does not exist yet', links: [], absent: true });
      continue;
    }
    kept.add(name);
    plans.push(planNamespace(world, name, previous.get(name)));
  }
  const removals = world.ownCopies
    .filter((copy) => !(kept.has(copy.namespace) && copy.name === spec.secretName))
    .map((copy) => ({ copy, unlinks: linkedTo(world, copy) }));
  return { namespaces: plans, removals };
}

/**
 * Whether the spec names or selects a namespace (before exclusions), the selector parsed once.
 * @throws LabelSelectorError when the selector does not parse
 */
export function namespaceTargeting(spec: DistributionSpec): (namespace: Pick<NamespaceObject, 'name' | 'labels'>) => boolean {
  const named = new Set(spec.namespaces ?? []);
  const selector = spec.namespaceSelector === undefined ? undefined : parseLabelSelector(spec.namespaceSelector);
  return (namespace) => named.has(namespace.name) || (selector !== undefined && matchesLabelSelector(selector, namespace.labels));
}

function exclusionOf(world: DistributionWorld, name: string, namespace: NamespaceObject | undefined): string | undefined {
  const { spec } = world.distribution;
  if (grantsNamespace(spec.excludeNamespaces ?? [], name)) return 'listed in excludeNamespaces';
  if (grantsNamespace(world.denyNamespaces, name)) return "on regcred's deny list";
  if (namespace?.labels[EXCLUDE_NAMESPACE_LABEL] === 'true') return `labelled ${EXCLUDE_NAMESPACE_LABEL}=true`;
  if (namespace?.terminating) return 'the namespace is being deleted';
  return undefined;
}

function planNamespace(world: DistributionWorld, namespace: string, before: NamespaceStatus | undefined): NamespacePlan {
  const { distribution, desired } = world;
  const { secretName } = distribution.spec;
  const copy = world.secretIn(namespace, secretName);
  if (copy && copy.labels[DISTRIBUTION_LABEL] !== distribution.name) {
    const owner = copy.labels[DISTRIBUTION_LABEL];
    return {
      namespace,
      state: 'failed',
      reason: `secret "${secretName}" exists and was made by ${owner ? `distribution "${owner}"` : 'someone else'}; it is left as it is`,
      links: [],
    };
  }
  if (copy && copy.type !== DOCKER_CONFIG_JSON_TYPE) {
    // The type of a Secret cannot change in place, and a delete would leave a moment without one.
    return {
      namespace,
      state: 'failed',
      reason: `secret "${secretName}" has type ${copy.type}; delete it to have it re-created`,
      links: [],
    };
  }
  const wasCurrent =
    before !== undefined && ['inSync', 'drifted-restored'].includes(before.state) && before.contentHash === desired.contentHash;
  const links = linksNeeded(world, namespace);
  const missing = missingServiceAccounts(world, namespace);
  const linkState = (state: NamespaceState): Pick<NamespacePlan, 'state' | 'reason'> =>
    missing.length > 0 ? { state: 'pending', reason: `waiting for serviceaccount(s): ${missing.join(', ')}` } : { state };
  const currentHash = copy?.annotations[CONTENT_HASH_ANNOTATION];
  if (!copy) {
    return {
      namespace,
      ...linkState(wasCurrent ? 'drifted-restored' : 'inSync'),
      write: { kind: 'create', draft: draftOf(world, namespace) },
      ...(wasCurrent ? { drift: 'deleted' as const } : {}),
      links,
    };
  }
  if (isCurrent(copy, world)) {
    const kept = before?.state === 'drifted-restored' && before.contentHash === desired.contentHash ? 'drifted-restored' : 'inSync';
    return { namespace, ...linkState(kept), links, currentHash };
  }
  // The copy says it carries today's content but does not: someone edited it.
  const edited = currentHash === desired.contentHash || wasCurrent;
  return {
    namespace,
    ...linkState(edited ? 'drifted-restored' : 'inSync'),
    write: { kind: 'replace', draft: { ...draftOf(world, namespace, copy), resourceVersion: copy.resourceVersion ?? '' } },
    ...(edited ? { drift: 'edited' as const } : {}),
    links,
    ...(currentHash ? { currentHash } : {}),
  };
}

/** A cached copy may hold digests of its values instead of the values (see dataDigest): either compares. */
function isCurrent(copy: SecretObject, world: DistributionWorld): boolean {
  const { data, digests, contentHash } = world.desired;
  const keys = Object.keys(copy.data);
  return (
    copy.labels[DISTRIBUTION_LABEL] === world.distribution.name &&
    copy.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    copy.annotations[CONTENT_HASH_ANNOTATION] === contentHash &&
    keys.length === Object.keys(data).length &&
    keys.every((key) => copy.data[key] === data[key] || copy.data[key] === digests[key])
  );
}

/** Our labels and annotation over whatever others added to the copy (kept: they are not ours to remove). */
function draftOf(world: DistributionWorld, namespace: string, copy?: SecretObject): SecretDraft {
  const { distribution, desired } = world;
  return {
    name: distribution.spec.secretName,
    namespace,
    type: DOCKER_CONFIG_JSON_TYPE,
    labels: { ...copy?.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_LABEL]: distribution.name },
    annotations: { ...copy?.annotations, [CONTENT_HASH_ANNOTATION]: desired.contentHash },
    data: { ...desired.data },
  };
}

function selectedServiceAccounts(world: DistributionWorld, namespace: string): ServiceAccountObject[] {
  const wanted = world.distribution.spec.serviceAccounts;
  if (wanted.length === 0) return [];
  const present = world.serviceAccountsIn(namespace);
  return wanted.includes(ALL_SERVICE_ACCOUNTS) ? [...present] : present.filter((sa) => wanted.includes(sa.name));
}

function linksNeeded(world: DistributionWorld, namespace: string): ServiceAccountObject[] {
  const { secretName } = world.distribution.spec;
  return selectedServiceAccounts(world, namespace).filter((sa) => !sa.imagePullSecrets.includes(secretName));
}

function missingServiceAccounts(world: DistributionWorld, namespace: string): string[] {
  const wanted = world.distribution.spec.serviceAccounts.filter((name) => name !== ALL_SERVICE_ACCOUNTS);
  const present = new Set(world.serviceAccountsIn(namespace).map((sa) => sa.name));
  return wanted.filter((name) => !present.has(name));
}

function linkedTo(world: DistributionWorld, copy: SecretObject): ServiceAccountObject[] {
  return selectedServiceAccounts(world, copy.namespace).filter((sa) => sa.imagePullSecrets.includes(copy.name));
}
