import type { CoreV1Api, V1Container, V1ContainerStatus, V1EphemeralContainer, V1Pod } from '@kubernetes/client-node';
import { PodNotFoundError, PULL_WAITING_REASONS, type PodListOptions, type PodPage } from '../../domain/cluster.js';
import type { ContainerKind, ExistingPod, PullPolicy, WorkloadContainer } from '../../domain/kubernetes/pod.js';
import { toKubernetesTimestamp } from '../timestamp.js';
import { continueTokenFailure, type ApiCall } from './errors.js';
import type { CallApi } from './service-accounts.js';

/** KubernetesCluster's calls for the pull check: one Pod (get) and a namespace's Pods a page at a time (list). */
export class KubernetesPods {
  constructor(
    private readonly core: CoreV1Api,
    private readonly call: CallApi,
  ) {}

  async read(namespace: string, name: string): Promise<ExistingPod | undefined> {
    try {
      const op: ApiCall = { verb: 'get', resource: 'pods', namespace, name };
      return toExistingPod(await this.call(op, (o) => this.core.readNamespacedPod({ namespace, name }, o)));
    } catch (error) {
      if (error instanceof PodNotFoundError) return undefined;
      throw error;
    }
  }

  async list(namespace: string, options: PodListOptions): Promise<PodPage> {
    const op: ApiCall = { verb: 'list', resource: 'pods', namespace };
    const request = { namespace, limit: options.limit, _continue: options.continue };
    try {
      const list = await this.call(op, (o) => this.core.listNamespacedPod(request, o));
      const next = list.metadata?._continue;
      return { pods: list.items.map(toExistingPod), ...(next ? { continue: next } : {}) };
    } catch (error) {
      throw continueTokenFailure(error, options.continue);
    }
  }
}

/** What the pull check reads of a Pod: its spec as admitted and the containers waiting on a pull, nothing else. */
export function toExistingPod(pod: V1Pod): ExistingPod {
  const spec = pod.spec;
  const status = pod.status;
  const created = pod.metadata?.creationTimestamp;
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    ...(created ? { creationTimestamp: toKubernetesTimestamp(new Date(created)) } : {}),
    spec: {
      // The ServiceAccount admission sets it; `serviceAccount` is its deprecated alias.
      serviceAccountName: spec?.serviceAccountName || spec?.serviceAccount || 'default',
      imagePullSecrets: (spec?.imagePullSecrets ?? []).map((reference) => reference.name ?? ''),
      containers: [
        ...containersOf('initContainer', spec?.initContainers),
        ...containersOf('container', spec?.containers),
        ...containersOf('ephemeralContainer', spec?.ephemeralContainers),
      ],
    },
    waiting: [
      ...(status?.initContainerStatuses ?? []),
      ...(status?.containerStatuses ?? []),
      ...(status?.ephemeralContainerStatuses ?? []),
    ].flatMap(waitingOnPull),
  };
}

const PULL_POLICIES: readonly string[] = ['Always', 'IfNotPresent', 'Never'];

function containersOf(kind: ContainerKind, containers: Array<V1Container | V1EphemeralContainer> | undefined): WorkloadContainer[] {
  return (containers ?? []).map(({ name, image, imagePullPolicy }) => ({
    kind,
    name,
    image: image ?? '',
    ...(imagePullPolicy && PULL_POLICIES.includes(imagePullPolicy) ? { imagePullPolicy: imagePullPolicy as PullPolicy } : {}),
  }));
}

function waitingOnPull(status: V1ContainerStatus): Array<{ name: string; reason: string }> {
  const reason = status.state?.waiting?.reason;
  return reason && PULL_WAITING_REASONS.includes(reason) ? [{ name: status.name, reason }] : [];
}
