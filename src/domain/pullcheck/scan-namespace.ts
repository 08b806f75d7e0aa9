import type { ExistingPod, WorkloadCheck } from './pullcheck-model.js';
import { checkPodSpec } from './check-workload.js';
import { createPullcheckSession, type PullcheckPorts, type PullcheckSession } from './pullcheck-ports.js';

/** The waiting reasons of a container whose image the kubelet cannot pull. */
export const PULL_WAITING_REASONS: readonly string[] = ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'];

/**
 * The GET side: for one page of existing Pods, the containers that wait on a pull, each diagnosed
 * with the secrets the Pod was admitted with. One session for the page: each secret, ServiceAccount
 * and probe target is asked once however many Pods share it. Pods with no such container are left out.
 */
export async function scanPods(pods: readonly ExistingPod[], ports: PullcheckPorts, signal?: AbortSignal): Promise<PodCheck[]> {
  const session = createPullcheckSession(ports, signal);
  const waiting = pods.filter((pod) => pod.waiting.some((w) => PULL_WAITING_REASONS.includes(w.reason)));
  return Promise.all(waiting.map(async (pod) => podCheckOf(pod, await checkExistingPod(pod, session))));
}

/** A Pod that exists, checked: its workload check plus when it was created and what waits on a pull. */
export type PodCheck = WorkloadCheck & Pick<ExistingPod, 'creationTimestamp' | 'waiting'>;

export function podCheckOf(pod: ExistingPod, check: WorkloadCheck): PodCheck {
  return { ...check, ...(pod.creationTimestamp ? { creationTimestamp: pod.creationTimestamp } : {}), waiting: pod.waiting };
}

/**
 * An admitted Pod: its own list is what the kubelet reads (admission already copied the
 * ServiceAccount's in, when the Pod listed none); the ServiceAccount's links now only show what a
 * re-created Pod would get. Only the containers waiting on a pull are checked, unless `all` are asked for.
 */
export async function checkExistingPod(
  pod: ExistingPod,
  session: PullcheckSession,
  containers: 'waiting' | 'all' = 'waiting',
): Promise<WorkloadCheck> {
  const names = new Set(pod.waiting.filter((w) => PULL_WAITING_REASONS.includes(w.reason)).map((w) => w.name));
  const checked = containers === 'all' ? pod.spec.containers : pod.spec.containers.filter((c) => names.has(c.name));
  const { serviceAccountName: serviceAccount, imagePullSecrets } = pod.spec;
  const account = await session.readServiceAccount(serviceAccount);
  return checkPodSpec(
    { kind: 'Pod', name: pod.name, namespace: pod.namespace, serviceAccount },
    checked,
    { existing: true, accountMissing: !account, from: 'pod', pullSecrets: imagePullSecrets, linkedNow: account?.imagePullSecrets ?? [] },
    session,
  );
}
