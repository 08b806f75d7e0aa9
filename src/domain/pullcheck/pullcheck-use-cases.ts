import { NamespaceNotFoundError, PodNotFoundError, type Cluster, type ServiceAccountObject } from '../cluster.js';
import { PULL_SECRET_TYPES, type SecretObject } from '../kubernetes/secret.js';
import { ValidationError } from '../../errors.js';
import type { ManifestProbe, Workload, WorkloadCheck } from './pullcheck-model.js';
import type { PullCheckRequest } from './pullcheck-request.js';
import { DEFAULT_SCAN_LIMIT, MAX_CHECKED_CONTAINERS } from './pullcheck-schemas.js';
// MERGE: readWorkloads from ./workload-manifest.js, checkWorkload and PullCheckPorts from ./check-workload.js,
// checkPods and PodCheck from ./scan-namespace.js; then delete pullcheck-stand-in.ts.
import { checkPods, checkWorkload, readWorkloads, type PodCheck, type PullCheckPorts } from './pullcheck-stand-in.js';

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
  pods: PodCheck[];
  continue?: string;
}

/** At most this many pull secret names are listed for "exists but not linked" (a page of each type). */
const MAX_LISTED_PULL_SECRETS = 500;

/**
 * "Will it pull?" for the workloads of manifests, or for a Pod that exists: per container, what the
 * kubelet will try and what the registry answers. Reads, never writes; secrets' content never leaves.
 * @throws NamespaceNotFoundError, PodNotFoundError
 * @throws ValidationError for a manifest of another namespace, or more than MAX_CHECKED_CONTAINERS containers
 */
export async function checkPullability(
  deps: PullCheckDependencies,
  namespace: string,
  request: PullCheckRequest,
): Promise<PullCheckResult> {
  await requireNamespace(deps.cluster, namespace);
  const ports = pullCheckPorts(deps, namespace);
  let workloads: Array<WorkloadCheck | PodCheck>;
  if ('pod' in request) {
    const pod = await deps.cluster.readPod(namespace, request.pod);
    if (!pod) throw new PodNotFoundError(namespace, request.pod);
    workloads = await checkPods(ports, [pod]);
  } else {
    const found = readWorkloads(request.documents);
    if (found.length === 0) {
      throw new ValidationError('the body holds no workload: send a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob', [
        { path: 'items', code: 'too_small', message: 'holds no workload' },
      ]);
    }
    refuseOtherNamespaces(found, namespace);
    refuseTooManyContainers(found);
    workloads = [];
    // One workload after the other: the probe's slots bound the registry calls, this bounds one request's share.
    for (const workload of found) workloads.push(await checkWorkload(ports, workload, namespace));
  }
  return { namespace, willPull: workloads.every((w) => w.willPull), workloads };
}

/**
 * A page of the namespace's Pods (by name, at most `limit`, default DEFAULT_SCAN_LIMIT), each checked as admitted.
 * @throws NamespaceNotFoundError, ContinueTokenError
 */
export async function scanNamespace(
  deps: PullCheckDependencies,
  namespace: string,
  page: { limit?: number; continue?: string },
): Promise<PullCheckScan> {
  await requireNamespace(deps.cluster, namespace);
  const listed = await deps.cluster.listPods(namespace, { limit: page.limit ?? DEFAULT_SCAN_LIMIT, continue: page.continue });
  const pods = await checkPods(pullCheckPorts(deps, namespace), listed.pods);
  return { namespace, pods, ...(listed.continue ? { continue: listed.continue } : {}) };
}

/** The ports of one request: each Secret and ServiceAccount is read once however many containers name it. */
export function pullCheckPorts({ cluster, probe }: PullCheckDependencies, namespace: string): PullCheckPorts {
  const secrets = new Map<string, Promise<SecretObject | undefined>>();
  const accounts = new Map<string, Promise<ServiceAccountObject | undefined>>();
  let pullSecretNames: Promise<string[]> | undefined;
  const once = <T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    let found = cache.get(key);
    if (!found) cache.set(key, (found = read()));
    return found;
  };
  return {
    readSecret: (name) => once(secrets, name, () => cluster.readSecret(namespace, name)),
    readServiceAccount: (name) => once(accounts, name, () => cluster.readServiceAccount(namespace, name)),
    listPullSecretNames: () => (pullSecretNames ??= listPullSecretNames(cluster, namespace)),
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

function refuseOtherNamespaces(workloads: Workload[], namespace: string): void {
  const elsewhere = workloads.filter((w) => w.namespace !== undefined && w.namespace !== namespace);
  if (elsewhere.length === 0) return;
  const message = `must be "${namespace}" (the path's namespace) or absent`;
  throw new ValidationError(
    `${elsewhere.map((w) => `${w.kind} "${w.name}"`).join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} for another namespace: check each namespace on its own path`,
    elsewhere.map((w) => ({ path: `${w.kind}/${w.name}/metadata/namespace`, code: 'namespace_mismatch', message })),
  );
}

function refuseTooManyContainers(workloads: Workload[]): void {
  const count = workloads.reduce((sum, w) => sum + w.pod.containers.length, 0);
  if (count <= MAX_CHECKED_CONTAINERS) return;
  throw new ValidationError(`the manifests hold ${count} containers; one request checks at most ${MAX_CHECKED_CONTAINERS}`, [
    {
      path: 'containers',
      code: 'too_big',
      message: `at most ${MAX_CHECKED_CONTAINERS} containers (init and ephemeral included) across the workloads`,
    },
  ]);
}
