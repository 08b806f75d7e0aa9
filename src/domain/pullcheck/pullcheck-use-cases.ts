import { NamespaceNotFoundError, PodNotFoundError, type Cluster } from '../cluster.js';
import { PULL_SECRET_TYPES } from '../kubernetes/secret.js';
import { checkWorkloads } from './check-workload.js';
import type { ExistingPod, ManifestProbe, WorkloadCheck } from './pullcheck-model.js';
import { createPullcheckSession, type PullcheckPorts } from './pullcheck-ports.js';
import type { PullCheckRequest } from './pullcheck-request.js';
import { DEFAULT_SCAN_LIMIT } from './pullcheck-schemas.js';
import { checkExistingPod, PULL_WAITING_REASONS } from './scan-namespace.js';
import { workloadsOf } from './workload-manifest.js';

/** A Pod that exists, checked: its workload check plus when it was created and what waits on a pull. */
export type PodCheck = WorkloadCheck & Pick<ExistingPod, 'creationTimestamp' | 'waiting'>;

/** What the pull check's use-cases need: the cluster (read only, on the caller's behalf) and the registry probe. */
export interface PullCheckDependencies {
  cluster: Cluster;
  probe: ManifestProbe;
}

export interface PullCheckResult {
  namespace: string;
  willPull: boolean;
  workloads: Array<WorkloadCheck | PodCheck>;
}

export interface PullCheckScan {
  namespace: string;
  /** Pods on the page, failing or not. */
  scanned: number;
  pods: PodCheck[];
  continue?: string;
}

/** At most this many pull secret names are listed for "exists but not linked" (a page of each type). */
const MAX_LISTED_PULL_SECRETS = 100;

/**
 * "Will it pull?" for the workloads of manifests, or for a Pod that exists (every container of it):
 * per container, what the kubelet will try and what the registry answers. Reads, never writes;
 * secrets' content never leaves.
 * @throws NamespaceNotFoundError, PodNotFoundError
 * @throws ValidationError for a manifest of another namespace, of a kind it cannot check, or past the caps
 */
export async function checkPullability(
  deps: PullCheckDependencies,
  namespace: string,
  request: PullCheckRequest,
): Promise<PullCheckResult> {
  if ('documents' in request) {
    const workloads = await checkManifests(deps, namespace, request.documents);
    return { namespace, willPull: workloads.every((w) => w.willPull), workloads };
  }
  await requireNamespace(deps.cluster, namespace);
  const pod = await deps.cluster.readPod(namespace, request.pod);
  if (!pod) throw new PodNotFoundError(namespace, request.pod);
  const check = await checkExistingPod(pod, createPullcheckSession(pullCheckPorts(deps, namespace)), 'all');
  return { namespace, willPull: check.willPull, workloads: [podCheckOf(pod, check)] };
}

async function checkManifests(deps: PullCheckDependencies, namespace: string, documents: unknown[]): Promise<WorkloadCheck[]> {
  // Before the namespace is read: a body that cannot be checked is a 422 whatever the namespace.
  const workloads = workloadsOf(documents, namespace);
  await requireNamespace(deps.cluster, namespace);
  return checkWorkloads(workloads, namespace, pullCheckPorts(deps, namespace));
}

/**
 * A page of the namespace's Pods (by name, at most `limit`, default DEFAULT_SCAN_LIMIT): those with a
 * container waiting on a pull, each checked as admitted; one session for the page, so each distinct
 * secret, ServiceAccount and registry target is asked once.
 * @throws NamespaceNotFoundError, ContinueTokenError
 */
export async function scanNamespace(
  deps: PullCheckDependencies,
  namespace: string,
  page: { limit?: number; continue?: string },
): Promise<PullCheckScan> {
  await requireNamespace(deps.cluster, namespace);
  const listed = await deps.cluster.listPods(namespace, { limit: page.limit ?? DEFAULT_SCAN_LIMIT, continue: page.continue });
  const session = createPullcheckSession(pullCheckPorts(deps, namespace));
  const failing = listed.pods.filter((pod) => pod.waiting.some((w) => PULL_WAITING_REASONS.includes(w.reason)));
  const pods = await Promise.all(failing.map(async (pod) => podCheckOf(pod, await checkExistingPod(pod, session, 'waiting'))));
  return { namespace, scanned: listed.pods.length, pods, ...(listed.continue ? { continue: listed.continue } : {}) };
}

function podCheckOf(pod: ExistingPod, check: WorkloadCheck): PodCheck {
  return { ...check, ...(pod.creationTimestamp ? { creationTimestamp: pod.creationTimestamp } : {}), waiting: pod.waiting };
}

/** The ports of one request, bound to its namespace (the session above reads each name once). */
export function pullCheckPorts({ cluster, probe }: PullCheckDependencies, namespace: string): PullcheckPorts {
  return {
    readSecret: (name) => cluster.readSecret(namespace, name),
    readServiceAccount: (name) => cluster.readServiceAccount(namespace, name),
    listPullSecretNames: () => listPullSecretNames(cluster, namespace),
    probe,
  };
}

async function listPullSecretNames(cluster: Cluster, namespace: string): Promise<string[]> {
  const names: string[] = [];
  for (const type of PULL_SECRET_TYPES) {
    const page = await cluster.listSecrets(namespace, { type, limit: MAX_LISTED_PULL_SECRETS });
    names.push(...page.items.map((secret) => secret.name));
  }
  return names.sort();
}

async function requireNamespace(cluster: Cluster, namespace: string): Promise<void> {
  if (!(await cluster.namespaceExists(namespace))) throw new NamespaceNotFoundError(namespace);
}
