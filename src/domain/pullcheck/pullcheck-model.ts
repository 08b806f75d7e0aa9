/**
 * "Will it pull?": for each container of a workload, what the kubelet will try and what the registry
 * answers, settled into one verdict with a fix. These are the shapes the pull check's parts share:
 * the workload as read from a manifest or a Pod, the registry probe's port, and the answer.
 */

import type { ContainerKind, ExistingPod, PullPolicy, WorkloadContainer, WorkloadPodSpec } from '../kubernetes/pod.js';

// A Pod's shapes are the cluster port's (domain/kubernetes/pod.ts); the pull check reads them.
export type { ContainerKind, ExistingPod, PullPolicy, WorkloadContainer, WorkloadPodSpec };

/** The verdicts, in the order of precedence: the first that applies to a container is its verdict. */
export const VERDICTS = [
  'invalid-image',
  'no-serviceaccount',
  'secret-missing',
  'not-linked',
  'no-credential',
  'registry-unreachable',
  'unauthorized',
  'denied',
  'not-found',
  'denied-or-not-found',
  'pulls',
  'pulls-anonymously',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export const PULLING_VERDICTS: readonly Verdict[] = ['pulls', 'pulls-anonymously'];

/** One workload of a manifest: its kind and name, and its Pod template. */
export interface Workload {
  kind: 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob';
  name: string;
  /** metadata.namespace as written, if it was (must then equal the path's namespace). */
  namespace?: string;
  pod: WorkloadPodSpec;
}

/** A credential the kubelet will try for an image, in its order. */
export interface TriedCredential {
  /** The pull secret it comes from. */
  secret: string;
  /** The key of the docker config entry that matched (as written there). */
  server: string;
  username: string;
}

/** What the registry answered for one credential (or none: anonymous). */
export type ProbeOutcome = 'pulls' | 'unauthorized' | 'denied' | 'not-found' | 'denied-or-not-found' | 'unreachable';

export interface ProbeResult {
  outcome: ProbeOutcome;
  /** The HTTP status of the deciding answer, if there was one. */
  status?: number;
  /** The registry's standard error code only (UNAUTHORIZED, DENIED, MANIFEST_UNKNOWN, NAME_UNKNOWN…), never its message. */
  code?: string;
  /** In words safe to show: never a credential, a token or a registry's error message. */
  detail: string;
}

export interface ProbeTarget {
  /** The registry host as the kubelet pulls from it (`docker.io` → `registry-1.docker.io` is the probe's business). */
  registry: string;
  /** The repository path, e.g. `library/nginx`. */
  repository: string;
  /** A tag or a digest (`sha256:…`). */
  reference: string;
  /** Absent: an anonymous pull. */
  credential?: { username: string; password: string };
}

/**
 * The port to registries: the first step of a real pull and no more — a token for
 * `repository:<name>:pull` where the registry asks for one, then `HEAD /v2/<name>/manifests/<reference>`
 * (a GET where a bodiless answer cannot tell the reasons apart). No layer is fetched.
 */
export interface ManifestProbe {
  /** `caller`: whose share of the verification slots the probe takes (see REGCRED_VERIFY_REQUEST_SHARE); never throws for what a registry or the network does. */
  probe(target: ProbeTarget, signal?: AbortSignal, caller?: string): Promise<ProbeResult>;
}

export interface SecretConsidered {
  name: string;
  /**
   * `undecodable`: a pull secret the kubelet cannot decode, which fails every pull of the Pod;
   * `unreadable`: regcred may not read it (or it is past what one check reads).
   */
  state: 'used' | 'missing' | 'wrong-type' | 'unreadable' | 'undecodable';
  /** Why it is wrong-type, unreadable or undecodable, in safe words. */
  reason?: string;
}

export interface ContainerCheck {
  kind: ContainerKind;
  name: string;
  image: string;
  /** The normalised reference (`docker.io/library/nginx:latest`), when the image parses. */
  reference?: string;
  pullPolicy: PullPolicy;
  /** The secrets the kubelet will read, as listed, each with its state. */
  secrets: SecretConsidered[];
  /** In the kubelet's order, each with the registry's answer, until one pulls. */
  tried: Array<TriedCredential & { result: ProbeResult }>;
  /** When nothing matched: the anonymous attempt's answer. */
  anonymous?: ProbeResult;
  verdict: Verdict;
  /** One sentence a person can act on. */
  fix: string;
  /** Pull policy, the node's own credential provider for cloud hosts, Docker Hub mirrors… */
  notes: string[];
}

export interface WorkloadCheck {
  kind: Workload['kind'];
  name: string;
  namespace: string;
  serviceAccount: string;
  /** Where the pull secrets come from: the Pod (template) itself, or its ServiceAccount (admission). */
  pullSecretsFrom: 'pod' | 'serviceAccount';
  pullSecrets: string[];
  containers: ContainerCheck[];
  /** Every container's verdict is `pulls` or `pulls-anonymously`. */
  willPull: boolean;
}
