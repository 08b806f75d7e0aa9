import {
  AlreadyExistsError,
  NamespaceNotFoundError,
  PodNotFoundError,
  SecretNotFoundError,
  ServiceAccountNotFoundError,
  StaleWriteError,
  type Cluster,
  type NamespaceListOptions,
  type PodListOptions,
  type SecretListOptions,
  type ServiceAccountListOptions,
  type WriteOptions,
} from '../domain/cluster.js';
import type { SecretDraft, SecretObject } from '../domain/kubernetes/secret.js';
import { ConflictError, UnavailableError, UpstreamError, ValidationError } from '../errors.js';
import type { Metrics } from '../metrics.js';

type ClusterMetrics = Pick<Metrics, 'kubernetesRequestDuration' | 'kubernetesRequestErrors'>;

/** Each port operation as the API server's RBAC names it; `/readyz` is a non-resource URL. */
interface Call {
  verb: 'get' | 'list' | 'create' | 'patch' | 'delete';
  resource: 'secrets' | 'serviceaccounts' | 'pods' | 'namespaces' | '/readyz';
}

/**
 * The Cluster port, timing every call and counting failures by kind. The labels come from the
 * operation and the error's class only, never from namespaces, names or messages.
 */
export function instrumentCluster(cluster: Cluster, metrics: ClusterMetrics): Cluster {
  const timed = <T>(call: Call, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    return run().then(
      (value) => {
        metrics.kubernetesRequestDuration.observe({ ...call, outcome: 'success' }, seconds());
        return value;
      },
      (error: unknown) => {
        const kind = errorLabel(error);
        metrics.kubernetesRequestDuration.observe({ ...call, outcome: kind }, seconds());
        metrics.kubernetesRequestErrors.inc({ ...call, kind });
        throw error;
      },
    );
  };
  // Methods are looked up on each call, so a test that replaces one on the wrapped cluster still reaches it.
  const instrumented: Cluster & { toJSON(): { description: string } } = {
    get description() {
      return cluster.description;
    },
    readSecret: (namespace: string, name: string): Promise<SecretObject | undefined> =>
      timed({ verb: 'get', resource: 'secrets' }, () => cluster.readSecret(namespace, name)),
    listSecrets: (namespace: string, options: SecretListOptions) =>
      timed({ verb: 'list', resource: 'secrets' }, () => cluster.listSecrets(namespace, options)),
    createSecret: (draft: SecretDraft, options?: WriteOptions) =>
      timed({ verb: 'create', resource: 'secrets' }, () => cluster.createSecret(draft, options)),
    replaceSecret: (draft: SecretDraft & { resourceVersion: string }, options?: WriteOptions) =>
      timed({ verb: 'patch', resource: 'secrets' }, () => cluster.replaceSecret(draft, options)),
    deleteSecret: (namespace: string, name: string, uid: string, options?: WriteOptions) =>
      timed({ verb: 'delete', resource: 'secrets' }, () => cluster.deleteSecret(namespace, name, uid, options)),
    namespaceExists: (namespace: string) => timed({ verb: 'get', resource: 'namespaces' }, () => cluster.namespaceExists(namespace)),
    readServiceAccount: (namespace: string, name: string) =>
      timed({ verb: 'get', resource: 'serviceaccounts' }, () => cluster.readServiceAccount(namespace, name)),
    listServiceAccounts: (namespace: string, options: ServiceAccountListOptions) =>
      timed({ verb: 'list', resource: 'serviceaccounts' }, () => cluster.listServiceAccounts(namespace, options)),
    setServiceAccountPullSecrets: (
      namespace: string,
      name: string,
      secretNames: string[],
      resourceVersion: string,
      options?: WriteOptions,
    ) =>
      timed({ verb: 'patch', resource: 'serviceaccounts' }, () =>
        cluster.setServiceAccountPullSecrets(namespace, name, secretNames, resourceVersion, options),
      ),
    readPod: (namespace: string, name: string) => timed({ verb: 'get', resource: 'pods' }, () => cluster.readPod(namespace, name)),
    listPods: (namespace: string, options: PodListOptions) =>
      timed({ verb: 'list', resource: 'pods' }, () => cluster.listPods(namespace, options)),
    listNamespaces: (options: NamespaceListOptions) =>
      timed({ verb: 'list', resource: 'namespaces' }, () => cluster.listNamespaces(options)),
    ping: () => timed({ verb: 'get', resource: '/readyz' }, () => cluster.ping()),
    toJSON: () => ({ description: cluster.description }),
  };
  return instrumented;
}

/** The metric label of a failure: a bounded name for what went wrong, from the error's class (subclasses before their parents). */
export function errorLabel(error: unknown): string {
  if (error instanceof NamespaceNotFoundError) return 'namespace_not_found';
  if (error instanceof SecretNotFoundError || error instanceof ServiceAccountNotFoundError || error instanceof PodNotFoundError)
    return 'not_found';
  if (error instanceof AlreadyExistsError) return 'already_exists';
  if (error instanceof StaleWriteError) return 'stale_write';
  if (error instanceof ConflictError) return 'conflict';
  if (error instanceof ValidationError) return 'invalid';
  if (error instanceof UnavailableError) return 'unavailable';
  if (error instanceof UpstreamError) return 'refused';
  return 'unexpected';
}
