import { grantsNamespace } from '../access/access-policy.js';
import type { ServiceAccountObject } from '../cluster.js';
import { matchesLabelSelector, parseLabelSelector } from '../kubernetes/label-selector.js';
import { DOCKER_CONFIG_JSON_TYPE, type SecretDraft, type SecretObject } from '../kubernetes/secret.js';
import { copyDraft, linkedServiceAccountsOf, sameLinks } from './copy-marks.js';
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
import { copyOwnership, isOwnCopy } from './ownership.js';
import type { ProofKey } from './ownership-proof.js';

/** What the controller knows of the cluster when it reconciles one distribution (its informers' caches). */
export interface DistributionWorld {
  distribution: DistributionObject;
  desired: DesiredCopy;
  /** Every namespace (a pass over all of them iterates it). */
  namespaces: Iterable<NamespaceObject>;
  namespaceNamed(name: string): NamespaceObject | undefined;
  /** The Secret named `spec.secretName` in a namespace, if the cache holds one (only labelled Secrets are cached). */
  secretIn(namespace: string, name: string): SecretObject | undefined;
  /** Every Secret labelled with this distribution's name, wherever it is: ours only when isOwnCopy proves it. */
  labelledCopies: readonly SecretObject[];
  serviceAccountsIn(namespace: string): readonly ServiceAccountObject[];
  /** The links a copy recorded when someone deleted it: a restored copy records them again. */
  formerLinks?(namespace: string, name: string): readonly string[];
  /** The service's deny list (globs): never written or changed, whatever a distribution says. */
  denyNamespaces: readonly string[];
  /** regcred's own namespace (sources, Lease): never written by a distribution. */
  ownNamespace: string;
  /** This installation's key for ownership proofs. */
  proofKey: ProofKey;
}

export type CopyWrite = { kind: 'create'; draft: SecretDraft } | { kind: 'replace'; draft: SecretDraft & { resourceVersion: string } };

export interface NamespacePlan {
  namespace: string;
  /** What the namespace is if every step below succeeds. */
  state: NamespaceState;
  reason?: string;
  /** Written before any link: the copy records the links first, so a removal later knows which are ours. */
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
  /** ServiceAccounts whose reference to the copy regcred added (recorded on it) and that still hold it. */
  unlinks: ServiceAccountObject[];
}

/** Called between namespaces; the controller yields the event loop there once a slice of time is used. */
export type Pause = () => Promise<void> | void;

/** Before a pass: what the last pass found in a namespace (its ledger entry, or its stored status). */
export type Earlier = Pick<NamespaceStatus, 'state' | 'contentHash'>;

/*
 * What a distribution asks for against what the cluster holds, and what to write, pure: the
 * controller runs these steps a slice of namespaces at a time. A namespace is targeted when it is
 * named or its labels match the selector, unless excluded (spec, deny list, regcred's own namespace,
 * `regcred.io/exclude=true`, being deleted). Only copies this very object provably made (isOwnCopy)
 * are changed or removed; a Secret of the same name that it did not make is reported, never
 * touched, and nothing in a deny-listed namespace is.
 */

/** Every namespace the spec names or selects (excluded ones too: the status says why), in name order. */
export function targetedNamespaces(world: Pick<DistributionWorld, 'distribution' | 'namespaces'>): string[] {
  const { spec } = world.distribution;
  const targets = namespaceTargeting(spec);
  const candidates = new Set<string>(spec.namespaces ?? []);
  for (const n of world.namespaces) if (targets(n)) candidates.add(n.name);
  return [...candidates].sort();
}

/** One targeted namespace's plan. */
export function planNamespaceIn(world: DistributionWorld, name: string, before: Earlier | undefined): NamespacePlan {
  const namespace = world.namespaceNamed(name);
  const excluded = exclusionOf(world, name, namespace);
  if (excluded) return { namespace: name, state: 'excluded', reason: excluded, links: [] };
  if (!namespace) return { namespace: name, state: 'pending', reason: 'the namespace does not exist yet', links: [], absent: true };
  return planNamespace(world, name, before);
}

/** Whether the plan keeps (or makes) a copy in its namespace: one that does not loses a copy this object made there. */
export const keepsCopy = (plan: NamespacePlan): boolean => plan.state !== 'excluded' && !plan.absent;

/** The copies this object made that must go: outside `kept`, or under a name it no longer uses. */
export function planRemovals(world: DistributionWorld, kept: ReadonlySet<string>, copies = world.labelledCopies): Removal[] {
  const { spec } = world.distribution;
  return copies
    .filter((copy) => isOwnCopy(copy, world.distribution, world.proofKey) && !untouchable(world, copy.namespace))
    .filter((copy) => !(kept.has(copy.namespace) && copy.name === spec.secretName))
    .map((copy) => ({ copy, unlinks: recordedLinks(world, copy) }));
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

/** Namespaces where a distribution changes nothing at all, not even its own copies: the deny list and regcred's own. */
export function untouchable(world: Pick<DistributionWorld, 'denyNamespaces' | 'ownNamespace'>, namespace: string): boolean {
  return namespace === world.ownNamespace || grantsNamespace(world.denyNamespaces, namespace);
}

/** The ServiceAccounts of the copy's namespace recorded on it as linked by regcred, that still reference it. */
export function recordedLinks(world: Pick<DistributionWorld, 'serviceAccountsIn'>, copy: SecretObject): ServiceAccountObject[] {
  const recorded = new Set(linkedServiceAccountsOf(copy));
  return world.serviceAccountsIn(copy.namespace).filter((sa) => recorded.has(sa.name) && sa.imagePullSecrets.includes(copy.name));
}

function exclusionOf(world: DistributionWorld, name: string, namespace: NamespaceObject | undefined): string | undefined {
  const { spec } = world.distribution;
  if (name === world.ownNamespace) return "regcred's own namespace";
  if (grantsNamespace(world.denyNamespaces, name)) return "on regcred's deny list";
  if (grantsNamespace(spec.excludeNamespaces ?? [], name)) return 'listed in excludeNamespaces';
  if (namespace?.labels[EXCLUDE_NAMESPACE_LABEL] === 'true') return `labelled ${EXCLUDE_NAMESPACE_LABEL}=true`;
  if (namespace?.terminating) return 'the namespace is being deleted';
  return undefined;
}

function planNamespace(world: DistributionWorld, namespace: string, before: Earlier | undefined): NamespacePlan {
  const { distribution, desired } = world;
  const { secretName } = distribution.spec;
  const copy = world.secretIn(namespace, secretName);
  const ownership = copy ? copyOwnership(copy, distribution, world.proofKey) : undefined;
  const adopting = ownership === 'unproven';
  if (copy && ownership !== 'own' && !adopting) return { namespace, state: 'failed', reason: foreignReason(world, copy), links: [] };
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
  const selected = selectedServiceAccounts(world, namespace);
  const links = selected.filter((sa) => !sa.imagePullSecrets.includes(secretName));
  const linked = linksToRecord(world, namespace, copy, adopting, selected, links);
  const missing = missingServiceAccounts(world, namespace);
  const linkState = (state: NamespaceState): Pick<NamespacePlan, 'state' | 'reason'> =>
    missing.length > 0 ? { state: 'pending', reason: `waiting for serviceaccount(s): ${missing.join(', ')}` } : { state };
  const currentHash = copy?.annotations[CONTENT_HASH_ANNOTATION];
  if (!copy) {
    return {
      namespace,
      ...linkState(wasCurrent ? 'drifted-restored' : 'inSync'),
      write: { kind: 'create', draft: copyDraft(world.proofKey, distribution, desired, namespace, linked) },
      ...(wasCurrent ? { drift: 'deleted' as const } : {}),
      links,
    };
  }
  // Built only when written: a pass over 50,000 current copies computes no proof.
  const replace = (): CopyWrite => ({
    kind: 'replace',
    draft: { ...copyDraft(world.proofKey, distribution, desired, namespace, linked, copy), resourceVersion: copy.resourceVersion ?? '' },
  });
  if (contentCurrent(copy, world)) {
    const kept = before?.state === 'drifted-restored' && before.contentHash === desired.contentHash ? 'drifted-restored' : 'inSync';
    // Marks only (adoption, links recorded): not drift.
    const marksCurrent = !adopting && sameLinks(copy, linked);
    return { namespace, ...linkState(kept), ...(marksCurrent ? {} : { write: replace() }), links, currentHash };
  }
  // The copy says it carries today's content but does not: someone edited it.
  const edited = currentHash === desired.contentHash || wasCurrent;
  return {
    namespace,
    ...linkState(edited ? 'drifted-restored' : 'inSync'),
    write: replace(),
    ...(edited ? { drift: 'edited' as const } : {}),
    links,
    ...(currentHash ? { currentHash } : {}),
  };
}

function foreignReason(world: DistributionWorld, copy: SecretObject): string {
  const { name, spec } = world.distribution;
  const owner = copy.labels[DISTRIBUTION_LABEL];
  const maker =
    copyOwnership(copy, world.distribution, world.proofKey) === 'earlier'
      ? 'an earlier distribution of this name'
      : owner && owner !== name
        ? `distribution "${owner}"`
        : 'someone else';
  return `secret "${spec.secretName}" exists and was made by ${maker}; it is left as it is`;
}

/**
 * The links the copy records after this pass: those recorded before whose ServiceAccount still
 * exists, and those this pass adds. A copy adopted from before links were recorded takes the
 * selected ServiceAccounts that reference it (what older versions removed with it).
 */
function linksToRecord(
  world: DistributionWorld,
  namespace: string,
  copy: SecretObject | undefined,
  adopting: boolean,
  selected: readonly ServiceAccountObject[],
  adding: readonly ServiceAccountObject[],
): string[] {
  const present = new Set(world.serviceAccountsIn(namespace).map((sa) => sa.name));
  const earlier = adopting
    ? selected.filter((sa) => sa.imagePullSecrets.includes(world.distribution.spec.secretName)).map((sa) => sa.name)
    : copy
      ? linkedServiceAccountsOf(copy).filter((name) => present.has(name))
      : (world.formerLinks?.(namespace, world.distribution.spec.secretName) ?? []).filter((name) => present.has(name));
  return [...new Set([...earlier, ...adding.map((sa) => sa.name)])].sort();
}

/** A cached copy may hold digests of its values instead of the values (see dataDigest): either compares. */
function contentCurrent(copy: SecretObject, world: DistributionWorld): boolean {
  const { data, digests, contentHash } = world.desired;
  const keys = Object.keys(copy.data);
  return (
    copy.annotations[CONTENT_HASH_ANNOTATION] === contentHash &&
    keys.length === Object.keys(data).length &&
    keys.every((key) => copy.data[key] === data[key] || copy.data[key] === digests[key])
  );
}

function selectedServiceAccounts(world: DistributionWorld, namespace: string): ServiceAccountObject[] {
  const wanted = world.distribution.spec.serviceAccounts;
  if (wanted.length === 0) return [];
  const present = world.serviceAccountsIn(namespace);
  return wanted.includes(ALL_SERVICE_ACCOUNTS) ? [...present] : present.filter((sa) => wanted.includes(sa.name));
}

function missingServiceAccounts(world: DistributionWorld, namespace: string): string[] {
  const wanted = world.distribution.spec.serviceAccounts.filter((name) => name !== ALL_SERVICE_ACCOUNTS);
  const present = new Set(world.serviceAccountsIn(namespace).map((sa) => sa.name));
  return wanted.filter((name) => !present.has(name));
}
