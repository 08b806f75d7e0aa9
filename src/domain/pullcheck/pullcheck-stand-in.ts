import type { ServiceAccountObject } from '../cluster.js';
import { DOCKER_CONFIG_JSON_TYPE, type SecretObject } from '../kubernetes/secret.js';
import { isPlainObject } from '../text/json-text.js';
import { ValidationError } from '../../errors.js';
import type {
  ContainerCheck,
  ExistingPod,
  ManifestProbe,
  ProbeResult,
  SecretConsidered,
  Verdict,
  Workload,
  WorkloadCheck,
  WorkloadContainer,
} from './pullcheck-model.js';

// TEMPORARY STAND-IN, this branch only (wt-pc-api): the HTTP routes, access, paging and validation are
// built against these names; the merge replaces each with the real one and deletes this file:
//   readWorkloads       → workload-manifest.ts
//   checkWorkload, PullCheckPorts → check-workload.ts
//   checkPods, PodCheck → scan-namespace.ts
//   standInProbe        → the registry ManifestProbe built from config.verify (src/registry/), in main.ts
// Its verdicts are crude on purpose (no kubelet match, no credential tried): tests of verdicts wait for the real ones.

/** What checkWorkload reads of the namespace, on the caller's behalf; the use-case builds it per request. */
export interface PullCheckPorts {
  readSecret(name: string): Promise<SecretObject | undefined>;
  readServiceAccount(name: string): Promise<ServiceAccountObject | undefined>;
  /** The names of the namespace's pull secrets (both types), for "exists but not linked". */
  listPullSecretNames(): Promise<string[]>;
  probe: ManifestProbe;
}

/** A Pod that exists, checked: its workload check plus when it was created and what waits on a pull. */
export type PodCheck = WorkloadCheck & Pick<ExistingPod, 'creationTimestamp' | 'waiting'>;

const TEMPLATED = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** Stand-in for workload-manifest.ts: the workloads of parsed documents (a List's items included). */
export function readWorkloads(documents: unknown[]): Workload[] {
  return documents.flatMap((document) => {
    if (isPlainObject(document) && document.kind === 'List' && Array.isArray(document.items)) return readWorkloads(document.items);
    if (!isPlainObject(document) || typeof document.kind !== 'string') {
      throw new ValidationError('the body is not a Kubernetes manifest', [{ path: 'kind', code: 'required', message: 'is required' }]);
    }
    const kind = document.kind;
    const metadata = isPlainObject(document.metadata) ? document.metadata : {};
    const spec = isPlainObject(document.spec) ? document.spec : {};
    const template = (o: Record<string, unknown>) => (isPlainObject(o.template) && isPlainObject(o.template.spec) ? o.template.spec : {});
    let podSpec: Record<string, unknown>;
    if (kind === 'Pod') podSpec = spec;
    else if (TEMPLATED.has(kind)) podSpec = template(spec);
    else if (kind === 'CronJob')
      podSpec = isPlainObject(spec.jobTemplate) && isPlainObject(spec.jobTemplate.spec) ? template(spec.jobTemplate.spec) : {};
    else
      throw new ValidationError(`kind ${kind.slice(0, 50)} has no Pod template`, [
        { path: 'kind', code: 'unsupported_kind', message: 'is not a workload kind' },
      ]);
    const list = (key: string) => (Array.isArray(podSpec[key]) ? (podSpec[key] as Record<string, unknown>[]) : []);
    const containers = (key: string, k: WorkloadContainer['kind']): WorkloadContainer[] =>
      list(key).map((c) => ({ kind: k, name: String(c.name ?? ''), image: String(c.image ?? '') }));
    return [
      {
        kind: kind as Workload['kind'],
        name: String(metadata.name ?? ''),
        ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
        pod: {
          ...(typeof podSpec.serviceAccountName === 'string' ? { serviceAccountName: podSpec.serviceAccountName } : {}),
          imagePullSecrets: list('imagePullSecrets').map((r) => String(r.name ?? '')),
          containers: [...containers('initContainers', 'initContainer'), ...containers('containers', 'container')],
        },
      },
    ];
  });
}

/** Stand-in for check-workload.ts: the ServiceAccount, the secrets' existence, and one anonymous probe. */
export async function checkWorkload(ports: PullCheckPorts, workload: Workload, namespace: string): Promise<WorkloadCheck> {
  const serviceAccountName = workload.pod.serviceAccountName || 'default';
  const account = await ports.readServiceAccount(serviceAccountName);
  const fromPod = workload.pod.imagePullSecrets.length > 0;
  const pullSecrets = fromPod ? workload.pod.imagePullSecrets : (account?.imagePullSecrets ?? []);
  const secrets: SecretConsidered[] = [];
  for (const name of pullSecrets) {
    const secret = await ports.readSecret(name);
    secrets.push({ name, state: !secret ? 'missing' : secret.type === DOCKER_CONFIG_JSON_TYPE ? 'used' : 'wrong-type' });
  }
  const containers: ContainerCheck[] = [];
  for (const container of workload.pod.containers) {
    let verdict: Verdict = !account ? 'no-serviceaccount' : secrets.some((s) => s.state === 'missing') ? 'secret-missing' : 'pulls';
    let anonymous: ProbeResult | undefined;
    if (verdict === 'pulls') {
      const slash = container.image.indexOf('/');
      const host = slash > 0 ? container.image.slice(0, slash) : 'docker.io';
      anonymous = await ports.probe.probe({ registry: host, repository: container.image.slice(slash + 1), reference: 'latest' });
      verdict =
        anonymous.outcome === 'pulls'
          ? 'pulls-anonymously'
          : anonymous.outcome === 'unreachable'
            ? 'registry-unreachable'
            : anonymous.outcome;
    }
    containers.push({
      ...container,
      pullPolicy: container.imagePullPolicy ?? 'IfNotPresent',
      secrets,
      tried: [],
      ...(anonymous ? { anonymous } : {}),
      verdict,
      fix: 'stand-in: no fix is worked out until check-workload.ts lands',
      notes: [],
    });
  }
  return {
    kind: workload.kind,
    name: workload.name,
    namespace,
    serviceAccount: serviceAccountName,
    pullSecretsFrom: fromPod ? 'pod' : 'serviceAccount',
    pullSecrets,
    containers,
    willPull: containers.every((c) => c.verdict === 'pulls' || c.verdict === 'pulls-anonymously'),
  };
}

/** Stand-in for scan-namespace.ts: each Pod checked as admitted. */
export async function checkPods(ports: PullCheckPorts, pods: ExistingPod[]): Promise<PodCheck[]> {
  const checks: PodCheck[] = [];
  for (const pod of pods) {
    const check = await checkWorkload(ports, { kind: 'Pod', name: pod.name, pod: pod.spec }, pod.namespace);
    checks.push({ ...check, ...(pod.creationTimestamp ? { creationTimestamp: pod.creationTimestamp } : {}), waiting: pod.waiting });
  }
  return checks;
}

/** Stand-in for the registry probe: every registry "unreachable", so nothing is ever called. */
export const standInProbe: ManifestProbe = {
  probe: async () => ({ outcome: 'unreachable', detail: 'the registry probe is not wired in yet (stand-in)' }),
};
