/** The two Secret types the kubelet reads image pull credentials from. */
export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CFG_TYPE = 'kubernetes.io/dockercfg';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKER_CFG_KEY = '.dockercfg';
export const PULL_SECRET_TYPES = [DOCKER_CONFIG_JSON_TYPE, DOCKER_CFG_TYPE] as const;
export type PullSecretType = (typeof PULL_SECRET_TYPES)[number];

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'regcred';
/**
 * On a source Secret: the distribution whose credentials it holds. Defined with the Secret's other
 * labels (distributions/distribution.ts re-exports it) because the per-namespace writes in
 * pull-secrets/ refuse such a Secret, and pull-secrets/ does not import distributions/.
 */
export const DISTRIBUTION_SOURCE_LABEL = 'regcred.io/distribution-source';
/** The API server refuses Secrets whose data (decoded) totals more than this. */
export const MAX_SECRET_DATA_BYTES = 1024 * 1024;

export function isPullSecretType(type: string): type is PullSecretType {
  return (PULL_SECRET_TYPES as readonly string[]).includes(type);
}

/** A Secret as the cluster port hands it over: plain data, independent of any client library. */
export interface SecretObject {
  name: string;
  namespace: string;
  type: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Values base64-encoded, exactly as in the API's `data`. */
  data: Record<string, string>;
  immutable: boolean;
}

/** What regcred asks the cluster to store. `resourceVersion` makes a replace conditional. */
export interface SecretDraft {
  name: string;
  namespace: string;
  type: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Record<string, string>;
  resourceVersion?: string;
}

/** A conditional replace of the Secret as it was read, with `changes` over it (labels and annotations whole). */
export function replacementOf(
  secret: SecretObject,
  changes: Partial<Pick<SecretDraft, 'labels' | 'annotations' | 'data'>> = {},
): SecretDraft & { resourceVersion: string } {
  return {
    name: secret.name,
    namespace: secret.namespace,
    type: secret.type,
    labels: changes.labels ?? secret.labels,
    annotations: changes.annotations ?? secret.annotations,
    data: changes.data ?? secret.data,
    resourceVersion: secret.resourceVersion ?? '',
  };
}
