import { NamespaceNotFoundError, PodNotFoundError, type Cluster } from '../cluster.js';
import { UnavailableError } from '../../errors.js';
import { PULL_SECRET_TYPES } from '../kubernetes/secret.js';
import { checkWorkloads } from './check-workload.js';
import type { ManifestProbe, WorkloadCheck } from './pullcheck-model.js';
import { createPullcheckSession, MAX_CANDIDATE_SECRETS, type PullcheckPorts } from './pullcheck-ports.js';
import type { PullCheckRequest } from './pullcheck-request.js';
import { DEFAULT_SCAN_LIMIT } from './pullcheck-schemas.js';
import { checkExistingPod, podCheckOf, scanPods, type PodCheck } from './scan-namespace.js';
import { workloadsOf } from './workload-manifest.js';

export type { PodCheck } from './scan-namespace.js';

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

/**
 * Pull secrets listed per type for "exists but not linked": no more than the check reads afterwards
 * (MAX_CANDIDATE_SECRETS). A list page carries each Secret whole, up to 1 MiB apiece.
 */
const MAX_LISTED_PULL_SECRETS = MAX_CANDIDATE_SECRETS;

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
  signal?: AbortSignal,
): Promise<PullCheckResult> {
  if ('documents' in request) {
    const workloads = await checkManifests(deps, namespace, request.documents, signal);
    return { namespace, willPull: workloads.every((w) => w.willPull), workloads };
  }
  await requireNamespace(deps.cluster, namespace);
  const pod = await deps.cluster.readPod(namespace, request.pod);
  if (!pod) throw new PodNotFoundError(namespace, request.pod);
  const session = createPullcheckSession(pullCheckPorts(deps, namespace), signal);
  const check = await settled(checkExistingPod(pod, session, 'all'), signal);
  return { namespace, willPull: check.willPull, workloads: [podCheckOf(pod, check)] };
}

async function checkManifests(
  deps: PullCheckDependencies,
  namespace: string,
  documents: unknown[],
  signal?: AbortSignal,
): Promise<WorkloadCheck[]> {
  // Before the namespace is read: a body that cannot be checked is a 422 whatever the namespace.
  const workloads = workloadsOf(documents, namespace);
  await requireNamespace(deps.cluster, namespace);
  return settled(checkWorkloads(workloads, namespace, pullCheckPorts(deps, namespace), signal), signal);
}

/** A check cut short by its deadline is a 503 that says so, not an error of the service. */
async function settled<T>(check: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (signal?.aborted)
      throw new UnavailableError('the pull check did not finish in time (registries or the cluster answered slowly); try again');
    throw error;
  }
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
  signal?: AbortSignal,
): Promise<PullCheckScan> {
  await requireNamespace(deps.cluster, namespace);
  const listed = await deps.cluster.listPods(namespace, { limit: page.limit ?? DEFAULT_SCAN_LIMIT, continue: page.continue });
  const pods = await settled(scanPods(listed.pods, pullCheckPorts(deps, namespace), signal), signal);
  return { namespace, scanned: listed.pods.length, pods, ...(listed.continue ? { continue: listed.continue } : {}) };
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
