import type { V1Secret } from '@kubernetes/client-node';
import type { SecretDraft, SecretObject } from '../../domain/kubernetes/secret.js';
import { toKubernetesTimestamp } from '../timestamp.js';

/** The Secret regcred sends: labels, annotations, type and data exactly as drafted. */
export function toV1Secret(draft: SecretDraft): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: draft.name,
      namespace: draft.namespace,
      labels: { ...draft.labels },
      annotations: { ...draft.annotations },
      // Sent on replace so the API server refuses the write when someone else changed the Secret.
      ...(draft.resourceVersion === undefined ? {} : { resourceVersion: draft.resourceVersion }),
    },
    type: draft.type,
    data: { ...draft.data },
  };
}

/** A plain SecretObject from client-node's model (which holds the timestamp as a Date). */
export function toSecretObject(secret: V1Secret): SecretObject {
  const metadata = secret.metadata ?? {};
  return {
    name: metadata.name ?? '',
    namespace: metadata.namespace ?? '',
    type: secret.type ?? 'Opaque',
    ...(metadata.uid === undefined ? {} : { uid: metadata.uid }),
    ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
    ...(metadata.creationTimestamp === undefined ? {} : { creationTimestamp: toKubernetesTimestamp(new Date(metadata.creationTimestamp)) }),
    labels: { ...metadata.labels },
    annotations: { ...metadata.annotations },
    data: { ...secret.data },
    immutable: secret.immutable ?? false,
  };
}

/**
 * A JSON patch that replaces exactly what regcred owns (labels, annotations, data, type) and keeps
 * everything else others set (ownerReferences, finalizers...), which a PUT of the whole object would
 * drop. The resourceVersion in the patched object makes the API server refuse it (409) when the
 * Secret changed since it was read.
 */
export function replacementPatch(draft: SecretDraft & { resourceVersion: string }): object[] {
  return [
    { op: 'replace', path: '/metadata/resourceVersion', value: draft.resourceVersion },
    { op: 'add', path: '/metadata/labels', value: { ...draft.labels } },
    { op: 'add', path: '/metadata/annotations', value: { ...draft.annotations } },
    { op: 'add', path: '/data', value: { ...draft.data } },
    { op: 'add', path: '/type', value: draft.type },
  ];
}
