import { PULLING_VERDICTS, type Workload, type WorkloadCheck, type WorkloadContainer } from './pullcheck-model.js';
import { checkContainer, type PodContext } from './check-container.js';
import { kubeletWarnings, podCredentials } from './pod-credentials.js';
import { createPullcheckSession, type PullcheckPorts, type PullcheckSession } from './pullcheck-ports.js';
import { DEFAULT_SERVICE_ACCOUNT, resolvePullSecrets } from './resolve-pull-secrets.js';

/**
 * "Will it pull?" for workloads not yet created (or as they are about to be applied): the pull
 * secrets their Pods would be admitted with, and each container's pull. One session for the whole
 * request: each secret, ServiceAccount and probe target is asked once, probes PROBE_CONCURRENCY at a time.
 */
export async function checkWorkloads(
  workloads: readonly Workload[],
  namespace: string,
  ports: PullcheckPorts,
  signal?: AbortSignal,
): Promise<WorkloadCheck[]> {
  const session = createPullcheckSession(ports, signal);
  return Promise.all(workloads.map((workload) => checkWorkload(workload, namespace, session)));
}

/** One workload of a manifest, its Pod template resolved as the ServiceAccount admission plugin would. */
export async function checkWorkload(workload: Workload, namespace: string, session: PullcheckSession): Promise<WorkloadCheck> {
  const serviceAccount = workload.pod.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT;
  const account = await session.readServiceAccount(serviceAccount);
  const resolved = resolvePullSecrets(workload.pod, account);
  return checkPodSpec(
    { kind: workload.kind, name: workload.name, namespace, serviceAccount },
    workload.pod.containers,
    {
      existing: false,
      accountMissing: !account,
      from: resolved.from,
      pullSecrets: resolved.names,
      linkedNow: account?.imagePullSecrets ?? [],
    },
    session,
  );
}

type Identity = Pick<WorkloadCheck, 'kind' | 'name' | 'namespace' | 'serviceAccount'>;
type Admission = Pick<PodContext, 'existing' | 'accountMissing' | 'from' | 'pullSecrets' | 'linkedNow'>;

/** The containers of one Pod (spec or template), given what it was or would be admitted with. */
export async function checkPodSpec(
  identity: Identity,
  containers: readonly WorkloadContainer[],
  admission: Admission,
  session: PullcheckSession,
): Promise<WorkloadCheck> {
  const credentials = await podCredentials(admission.pullSecrets, session);
  const warnings = kubeletWarnings(
    credentials,
    containers.map((c) => c.image),
  );
  const context: PodContext = {
    ...admission,
    namespace: identity.namespace,
    serviceAccount: identity.serviceAccount,
    credentials,
    warnings,
  };
  const checks = await Promise.all(containers.map((container) => checkContainer(container, context, session)));
  return {
    ...identity,
    pullSecretsFrom: admission.from,
    pullSecrets: [...admission.pullSecrets],
    containers: checks,
    willPull: checks.every((check) => PULLING_VERDICTS.includes(check.verdict)),
  };
}
