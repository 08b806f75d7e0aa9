import { PatchStrategy, setHeaderOptions, type ConfigurationOptions, type CoreV1Api, type V1ServiceAccount } from '@kubernetes/client-node';
import {
  ServiceAccountNotFoundError,
  StaleWriteError,
  type NamespaceListOptions,
  type NamespacePage,
  type ServiceAccountListOptions,
  type ServiceAccountObject,
  type ServiceAccountPage,
} from '../../domain/cluster.js';
import { parseLabelSelector } from '../../domain/kubernetes/label-selector.js';
import { continueTokenFailure, type ApiCall } from './errors.js';

/** KubernetesCluster's call: one API request under its deadline, its failure translated. */
export type CallApi = <T>(operation: ApiCall, send: (options: ConfigurationOptions) => Promise<T>) => Promise<T>;

/**
 * KubernetesCluster's calls for linking pull secrets: ServiceAccounts (get, a page of a list, a conditional
 * JSON patch of imagePullSecrets) and a page of the namespaces a label selector picks.
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

  async list(namespace: string, options: ServiceAccountListOptions): Promise<ServiceAccountPage> {
    const op: ApiCall = { verb: 'list', resource: 'serviceaccounts', namespace };
    const request = { namespace, limit: options.limit, _continue: options.continue };
    try {
      const list = await this.call(op, (o) => this.core.listNamespacedServiceAccount(request, o));
      const next = list.metadata?._continue;
      return { items: list.items.map(toServiceAccountObject), ...(next ? { continue: next } : {}) };
    } catch (error) {
      throw continueTokenFailure(error, options.continue);
    }
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

  async listNamespaces({ labelSelector, limit, continue: token }: NamespaceListOptions): Promise<NamespacePage> {
    // Parsed here too, so a bad selector fails as in the in-memory cluster (a LabelSelectorError), not as a 400.
    if (labelSelector) parseLabelSelector(labelSelector);
    const op: ApiCall = { verb: 'list', resource: 'namespaces', namespace: '' };
    const request = { labelSelector: labelSelector || undefined, limit, _continue: token };
    try {
      const list = await this.call(op, (o) => this.core.listNamespace(request, o));
      const next = list.metadata?._continue;
      return { names: list.items.map((namespace) => namespace.metadata?.name ?? ''), ...(next ? { continue: next } : {}) };
    } catch (error) {
      throw continueTokenFailure(error, token);
    }
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
