import { randomInt } from 'node:crypto';
import type { CoreV1Event, V1Lease, V1Namespace, V1Pod } from '@kubernetes/client-node';
import { CLOUD_PROVIDERS } from '../../domain/credentials/cloud-source.js';
import type { DistributionEvent, LeaseObject, NamespaceObject, PodObject } from '../../domain/distributions/distribution-cluster.js';
import {
  DISTRIBUTION_GROUP,
  DISTRIBUTION_KIND,
  DISTRIBUTION_VERSION,
  type DistributionDraft,
  type DistributionObject,
  type DistributionSpec,
  type DistributionStatus,
} from '../../domain/distributions/distribution.js';
import { toKubernetesTimestamp } from '../timestamp.js';

// Objects of the distribution controller, from the API's JSON (a list's typed model or a watch
// event's plain JSON: timestamps may be a Date or a string) to the port's plain types and back.

export const DISTRIBUTION_API_VERSION = `${DISTRIBUTION_GROUP}/${DISTRIBUTION_VERSION}`;

type Metadata = {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  deletionTimestamp?: Date | string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

export function toNamespaceObject(namespace: V1Namespace): NamespaceObject {
  const metadata = namespace.metadata ?? {};
  return {
    name: metadata.name ?? '',
    ...(metadata.uid === undefined ? {} : { uid: metadata.uid }),
    ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
    labels: { ...metadata.labels },
    terminating: namespace.status?.phase === 'Terminating' || Boolean(metadata.deletionTimestamp),
  };
}

export function toPodObject(pod: V1Pod): PodObject {
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    // The API server's ServiceAccount admission sets it; `serviceAccount` is its deprecated alias.
    serviceAccountName: pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default',
    imagePullSecrets: (pod.spec?.imagePullSecrets ?? []).map((reference) => reference.name ?? ''),
  };
}

/** A PullSecretDistribution from the API's JSON (CustomObjectsApi hands it over untyped). */
export function toDistributionObject(raw: unknown): DistributionObject {
  const object = (raw ?? {}) as { metadata?: Metadata; spec?: Partial<DistributionSpec>; status?: DistributionStatus };
  const metadata = object.metadata ?? {};
  const spec = object.spec ?? {};
  return {
    name: metadata.name ?? '',
    ...(metadata.uid === undefined ? {} : { uid: metadata.uid }),
    ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
    ...(metadata.generation === undefined ? {} : { generation: metadata.generation }),
    ...(metadata.deletionTimestamp ? { deletionTimestamp: timestamp(metadata.deletionTimestamp) } : {}),
    finalizers: [...(metadata.finalizers ?? [])],
    labels: { ...metadata.labels },
    annotations: { ...metadata.annotations },
    spec: {
      ...structuredClone(spec),
      // The CRD defaults these; an object stored before the defaults existed may lack them.
      secretName: spec.secretName ?? 'regcred',
      source: {
        secretName: spec.source?.secretName ?? '',
        ...(spec.source?.namespace ? { namespace: spec.source.namespace } : {}),
        // Every provider given, even two: the controller's spec check refuses that, it is not dropped here.
        ...Object.fromEntries(
          CLOUD_PROVIDERS.filter((p) => spec.source?.[p] !== undefined).map((p) => [p, structuredClone(spec.source![p])]),
        ),
      },
      serviceAccounts: [...(spec.serviceAccounts ?? [])],
    },
    ...(object.status ? { status: structuredClone(object.status) } : {}),
  };
}

/** The object regcred creates: metadata and spec; the status is the status subresource's. */
export function toDistributionBody(draft: DistributionDraft): object {
  return {
    apiVersion: DISTRIBUTION_API_VERSION,
    kind: DISTRIBUTION_KIND,
    metadata: {
      name: draft.name,
      labels: { ...draft.labels },
      annotations: { ...draft.annotations },
      finalizers: [...draft.finalizers],
    },
    spec: structuredClone(draft.spec),
  };
}

/**
 * Like replacementPatch for Secrets: replaces exactly metadata's labels, annotations, finalizers and
 * the spec, keeps what others set, and fails (409) when the resourceVersion moved on.
 */
export function distributionReplacementPatch(draft: DistributionDraft & { resourceVersion: string }): object[] {
  return [
    { op: 'replace', path: '/metadata/resourceVersion', value: draft.resourceVersion },
    { op: 'add', path: '/metadata/labels', value: { ...draft.labels } },
    { op: 'add', path: '/metadata/annotations', value: { ...draft.annotations } },
    { op: 'add', path: '/metadata/finalizers', value: [...draft.finalizers] },
    { op: 'add', path: '/spec', value: structuredClone(draft.spec) },
  ];
}

export function toLeaseObject(lease: V1Lease): LeaseObject {
  const spec = lease.spec ?? {};
  const acquireTime = microTime(spec.acquireTime);
  const renewTime = microTime(spec.renewTime);
  return {
    namespace: lease.metadata?.namespace ?? '',
    name: lease.metadata?.name ?? '',
    ...(lease.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
    ...(spec.holderIdentity === undefined ? {} : { holderIdentity: spec.holderIdentity }),
    ...(spec.leaseDurationSeconds === undefined ? {} : { leaseDurationSeconds: spec.leaseDurationSeconds }),
    ...(acquireTime === undefined ? {} : { acquireTime }),
    ...(renewTime === undefined ? {} : { renewTime }),
    ...(spec.leaseTransitions === undefined ? {} : { leaseTransitions: spec.leaseTransitions }),
  };
}

export function toV1Lease(lease: LeaseObject): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: lease.name,
      namespace: lease.namespace,
      ...(lease.resourceVersion === undefined ? {} : { resourceVersion: lease.resourceVersion }),
    },
    spec: {
      holderIdentity: lease.holderIdentity,
      leaseDurationSeconds: lease.leaseDurationSeconds,
      // client-node's model says Date but passes a string on as it is; a Date would lose the microseconds.
      acquireTime: lease.acquireTime as unknown as Date | undefined,
      renewTime: lease.renewTime as unknown as Date | undefined,
      leaseTransitions: lease.leaseTransitions,
    },
  };
}

/** RFC 3339 with microseconds, as the API server stores a MicroTime (client-node leaves it a string). */
function microTime(value: Date | string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return value.toISOString().replace(/Z$/, '000Z');
}

function timestamp(value: Date | string): string {
  return typeof value === 'string' ? value : toKubernetesTimestamp(value);
}

const MAX_EVENT_MESSAGE_CHARS = 1024;

/**
 * A core/v1 Event about a distribution, as client-go's recorder makes one for a cluster-scoped
 * object: in `namespace` (client-go uses `default`), named `<object>.<unix nanoseconds in hex>`
 * (the low digits here are random, not clock), from component `regcred`.
 */
export function toEventBody(event: DistributionEvent, namespace: string, now: Date): CoreV1Event {
  const { name, uid } = event.distribution;
  const suffix = (BigInt(now.getTime()) * 1_000_000n + BigInt(randomInt(1_000_000))).toString(16);
  // client-node's model says Date; the API server stores seconds, and a string passes through as it is.
  const seconds = toKubernetesTimestamp(now) as unknown as Date;
  return {
    metadata: { name: `${name}.${suffix}`, namespace },
    involvedObject: { apiVersion: DISTRIBUTION_API_VERSION, kind: DISTRIBUTION_KIND, name, ...(uid ? { uid } : {}) },
    type: event.type,
    reason: event.reason,
    message: event.message.slice(0, MAX_EVENT_MESSAGE_CHARS),
    source: { component: 'regcred' },
    firstTimestamp: seconds,
    lastTimestamp: seconds,
    count: 1,
  };
}
