/** What regcred reads of Pods and Pod templates: the pull-related fields only. */

export type ContainerKind = 'initContainer' | 'container' | 'ephemeralContainer';
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface WorkloadContainer {
  kind: ContainerKind;
  name: string;
  image: string;
  /** As given; absent: the API server's default (Always for `:latest` or no tag, else IfNotPresent). */
  imagePullPolicy?: PullPolicy;
}

/** What a pull check reads of a workload's Pod template (or of a Pod): nothing else. */
export interface WorkloadPodSpec {
  serviceAccountName?: string;
  imagePullSecrets: string[];
  containers: WorkloadContainer[];
}

/** A Pod that exists: its spec as admitted, and the containers waiting on a pull. */
export interface ExistingPod {
  namespace: string;
  name: string;
  creationTimestamp?: string;
  /** As admitted: the ServiceAccount admission plugin already copied the ServiceAccount's secrets in, when the Pod listed none. */
  spec: WorkloadPodSpec & { serviceAccountName: string };
  /** Containers whose state is `waiting` with a pull reason (ErrImagePull, ImagePullBackOff, InvalidImageName). */
  waiting: { name: string; reason: string }[];
}
