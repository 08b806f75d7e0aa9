import { NamespaceNotFoundError, PodNotFoundError, PULL_WAITING_REASONS, type ServiceAccountObject } from '../../domain/cluster.js';
import type { PodObject } from '../../domain/distributions/distribution-cluster.js';
import type { ExistingPod, PullPolicy, WorkloadContainer } from '../../domain/kubernetes/pod.js';
import { toKubernetesTimestamp } from '../timestamp.js';

/** A Pod to place in the store (tests): nothing in the embedded cluster creates, schedules or runs Pods. */
export interface SeedPod {
  namespace: string;
  name: string;
  /** Absent: `default`, as the ServiceAccount admission sets it. */
  serviceAccountName?: string;
  imagePullSecrets?: string[];
  /** Absent: one container `app` with the image `registry.example.com/app:1`. */
  containers?: WorkloadContainer[];
}

/** A container's state as the kubelet reports it in the Pod's status: waiting for a reason, or else running. */
export interface PodContainerState {
  name: string;
  /** The waiting reason (ErrImagePull, ImagePullBackOff, ContainerCreating…); absent: running. */
  waiting?: string;
}

interface StoredPod {
  pod: ExistingPod;
  states: PodContainerState[];
}

/**
 * The embedded cluster's Pods, as the API server admits them: the ServiceAccount's pull secrets copied
 * into a Pod that lists none, and each container's imagePullPolicy defaulted.
 */
export class MemoryPods {
  private readonly byNamespace = new Map<string, Map<string, StoredPod>>();

  constructor(
    private readonly namespaceExists: (namespace: string) => boolean,
    private readonly readServiceAccount: (namespace: string, name: string) => ServiceAccountObject | undefined,
  ) {}

  seed(seed: SeedPod): ExistingPod {
    if (!this.namespaceExists(seed.namespace)) throw new NamespaceNotFoundError(seed.namespace);
    const serviceAccountName = seed.serviceAccountName || 'default';
    const listed = seed.imagePullSecrets ?? [];
    const imagePullSecrets =
      listed.length > 0 ? [...listed] : [...(this.readServiceAccount(seed.namespace, serviceAccountName)?.imagePullSecrets ?? [])];
    const given: WorkloadContainer[] = seed.containers ?? [{ kind: 'container', name: 'app', image: 'registry.example.com/app:1' }];
    // As the API server hands a Pod out: initContainers, containers, ephemeralContainers, each list in its order.
    const containers = KIND_ORDER.flatMap((kind) =>
      given.filter((c) => c.kind === kind).map((c) => ({ ...c, imagePullPolicy: c.imagePullPolicy ?? defaultPullPolicy(c.image) })),
    );
    const pod: ExistingPod = {
      namespace: seed.namespace,
      name: seed.name,
      creationTimestamp: toKubernetesTimestamp(new Date()),
      spec: { serviceAccountName, imagePullSecrets, containers },
      waiting: [],
    };
    let pods = this.byNamespace.get(seed.namespace);
    if (!pods) this.byNamespace.set(seed.namespace, (pods = new Map()));
    pods.set(seed.name, { pod, states: [] });
    return structuredClone(pod);
  }

  setStates(namespace: string, name: string, states: readonly PodContainerState[]): ExistingPod {
    const stored = this.byNamespace.get(namespace)?.get(name);
    if (!stored) throw new PodNotFoundError(namespace, name);
    stored.states = structuredClone([...states]);
    return view(stored);
  }

  read(namespace: string, name: string): ExistingPod | undefined {
    const stored = this.byNamespace.get(namespace)?.get(name);
    return stored && view(stored);
  }

  /** A namespace's Pods, by name; none for a namespace that does not exist. */
  list(namespace: string): ExistingPod[] {
    const pods = [...(this.byNamespace.get(namespace)?.values() ?? [])];
    return pods.sort((a, b) => (a.pod.name < b.pod.name ? -1 : a.pod.name > b.pod.name ? 1 : 0)).map(view);
  }

  /** What the distribution controller reads of a namespace's Pods. */
  listPodObjects(namespace: string): PodObject[] {
    return this.list(namespace).map(({ namespace: ns, name, spec }) => ({
      namespace: ns,
      name,
      serviceAccountName: spec.serviceAccountName,
      imagePullSecrets: spec.imagePullSecrets,
    }));
  }

  removeNamespace(namespace: string): void {
    this.byNamespace.delete(namespace);
  }
}

const KIND_ORDER: readonly WorkloadContainer['kind'][] = ['initContainer', 'container', 'ephemeralContainer'];

function view({ pod, states }: StoredPod): ExistingPod {
  const waiting = states.flatMap(({ name, waiting: reason }) =>
    reason && PULL_WAITING_REASONS.includes(reason) ? [{ name, reason }] : [],
  );
  return structuredClone({ ...pod, waiting });
}

/** The API server's default: Always for `:latest` or an image without tag or digest, else IfNotPresent. */
function defaultPullPolicy(image: string): PullPolicy {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon < 0 || lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}
