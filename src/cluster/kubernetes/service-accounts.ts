import { PatchStrategy, setHeaderOptions, type ConfigurationOptions, type CoreV1Api, type V1ServiceAccount } from '@kubernetes/client-node';
import { ServiceAccountNotFoundError, StaleWriteError, type ServiceAccountObject } from '../../domain/cluster.js';
import { parseLabelSelector } from '../../domain/kubernetes/label-selector.js';
import type { ApiCall } from './errors.js';

/** KubernetesCluster's call: one API request under its deadline, its failure translated. */
export type CallApi = <T>(operation: ApiCall, send: (options: ConfigurationOptions) => Promise<T>) => Promise<T>;

/**
 * KubernetesCluster's calls for linking pull secrets: ServiceAccounts (get, list, a conditional JSON
 * patch of imagePullSecrets) and the namespaces a label selector picks.
 */
export class KubernetesServiceAccounts {
  constructor(
    private readonly core: CoreV1Api,
    private readonly call: CallApi,
  ) {}

  async read(namespace: string, name: string): Promise<ServiceAccountObject | undefined> {
    try {
      const op: ApiCall = { verb: 'get', resource: 'serviceaccounts', namespace, name };
      return toServiceAccountObject(await this.call(op, (o) => this.core.readNamespacedServiceAccount({ namespace, name }, o)));
    } catch (error) {
      if (error instanceof ServiceAccountNotFoundError) return undefined;
      throw error;
    }
  }

  async list(namespace: string): Promise<ServiceAccountObject[]> {
    const op: ApiCall = { verb: 'list', resource: 'serviceaccounts', namespace };
    const list = await this.call(op, (o) => this.core.listNamespacedServiceAccount({ namespace }, o));
    return list.items.map(toServiceAccountObject);
  }

  async setPullSecrets(
    namespace: string,
    name: string,
    secretNames: string[],
    resourceVersion: string,
    dryRun: 'All' | undefined,
  ): Promise<ServiceAccountObject> {
    // An empty resourceVersion would make the API server patch unconditionally; the port never does.
    if (!resourceVersion) throw new StaleWriteError(namespace, name, 'serviceaccount');
    const op: ApiCall = { verb: 'patch', resource: 'serviceaccounts', namespace, name };
    const body = pullSecretsPatch(secretNames, resourceVersion);
    const patched = await this.call(op, (o) =>
      this.core.patchNamespacedServiceAccount(
        { namespace, name, body, dryRun },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, o),
      ),
    );
    return toServiceAccountObject(patched);
  }

  async listNamespaces(labelSelector?: string): Promise<string[]> {
    // Parsed here too, so a bad selector fails as in the in-memory cluster (a LabelSelectorError), not as a 400.
    if (labelSelector) parseLabelSelector(labelSelector);
    const op: ApiCall = { verb: 'list', resource: 'namespaces', namespace: '' };
    const list = await this.call(op, (o) => this.core.listNamespace({ labelSelector: labelSelector || undefined }, o));
    return list.items.map((namespace) => namespace.metadata?.name ?? '');
  }
}

/**
 * A JSON patch that touches imagePullSecrets only: secrets, automountServiceAccountToken, labels and
 * the rest stay as others set them (a PUT of the whole object could drop what a newer API server
 * added). The resourceVersion in the patched object makes the API server refuse it (409) when the
 * ServiceAccount changed since it was read. `add` replaces the list when there is one.
 */
function pullSecretsPatch(secretNames: string[], resourceVersion: string): object[] {
  return [
    { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'add', path: '/imagePullSecrets', value: secretNames.map((name) => ({ name })) },
  ];
}

/** The names regcred reads from a ServiceAccount; an entry without a name (never valid) is kept as "". */
export function toServiceAccountObject(account: V1ServiceAccount): ServiceAccountObject {
  const metadata = account.metadata ?? {};
  return {
    name: metadata.name ?? '',
    namespace: metadata.namespace ?? '',
    ...(metadata.uid === undefined ? {} : { uid: metadata.uid }),
    ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
    imagePullSecrets: (account.imagePullSecrets ?? []).map((reference) => reference.name ?? ''),
  };
}
