import { inspect } from 'node:util';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  ServerConfiguration,
  setHeaderOptions,
  type ConfigurationOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { ServiceAccountObject } from '../../domain/cluster.js';
import type {
  DistributionCluster,
  DistributionEvent,
  LeaseStore,
  NamespaceObject,
  PodObject,
  SecretsLabelledOptions,
} from '../../domain/distributions/distribution-cluster.js';
import { DistributionNotFoundError } from '../../domain/distributions/distribution-cluster.js';
import {
  DISTRIBUTION_GROUP,
  DISTRIBUTION_PLURAL,
  DISTRIBUTION_VERSION,
  type DistributionDraft,
  type DistributionObject,
  type DistributionStatus,
} from '../../domain/distributions/distribution.js';
import { parseLabelSelector } from '../../domain/kubernetes/label-selector.js';
import type { SecretObject } from '../../domain/kubernetes/secret.js';
import { StaleWriteError } from '../../domain/cluster.js';
import { withDeadline } from './deadline.js';
import { KeepAliveAgents } from './keep-alive-agent.js';
import { describeKubeConfig, perCallOptions } from './cluster.js';
import { translateDistributionError } from './distribution-errors.js';
import {
  distributionReplacementPatch,
  toDistributionBody,
  toDistributionObject,
  toEventBody,
  toNamespaceObject,
  toPodObject,
} from './distribution-objects.js';
import type { ApiCall } from './errors.js';
import { KubernetesLeases } from './leases.js';
import { toSecretObject } from './secrets.js';
import { toServiceAccountObject } from './service-accounts.js';
import { KubernetesWatchSource, LIST_PAGE_SIZE, type ListPage } from './watch.js';
import { digestsOf } from '../../domain/distributions/desired-copy.js';

const SECRET_PAGE_SIZE = 20;
import type { WatchConnection } from './watch-stream.js';

export interface KubernetesDistributionsOptions {
  /** Upper bound for every API call, and for a watch until its response headers arrive. */
  timeoutMs: number;
  /** The pool for short calls; share one with KubernetesCluster. Watches get a pool of their own. */
  agents?: KeepAliveAgents;
  /** Items per page of a list (default 500). */
  listPageSize?: number;
  /** How long past its timeoutSeconds a silent watch is ended (default 15 s); shorter in tests. */
  watchStallGraceMs?: number;
}

const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };
const CR_PATH = `/apis/${DISTRIBUTION_GROUP}/${DISTRIBUTION_VERSION}/${DISTRIBUTION_PLURAL}`;
/** Where client-go's recorder puts the Events of cluster-scoped objects. */
const EVENT_NAMESPACE = 'default';

/** The DistributionCluster port over a real API server (client-node's CoreV1, CustomObjects and CoordinationV1 APIs). */
export class KubernetesDistributions implements DistributionCluster {
  readonly description: string;
  readonly namespaces: KubernetesWatchSource<NamespaceObject>;
  readonly serviceAccounts: KubernetesWatchSource<ServiceAccountObject>;
  readonly distributions: KubernetesWatchSource<DistributionObject>;
  readonly leases: LeaseStore;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly agents: KeepAliveAgents;
  private readonly connection: WatchConnection;
  private readonly pageSize: number;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: KubernetesDistributionsOptions,
  ) {
    this.agents = options.agents ?? new KeepAliveAgents();
    this.description = describeKubeConfig(kubeConfig);
    this.pageSize = options.listPageSize ?? LIST_PAGE_SIZE;
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const server = new ServerConfiguration(kubeConfig.getCurrentCluster()?.server ?? '', {});
    this.connection = {
      kubeConfig,
      server,
      agents: new KeepAliveAgents(),
      connectTimeoutMs: options.timeoutMs,
      ...(options.watchStallGraceMs === undefined ? {} : { stallGraceMs: options.watchStallGraceMs }),
    };
    this.leases = new KubernetesLeases(kubeConfig.makeApiClient(CoordinationV1Api), this.call);
    this.namespaces = this.source({
      description: 'namespaces',
      path: '/api/v1/namespaces',
      operation: { verb: 'watch', resource: 'namespaces', namespace: '' },
      listOperation: { verb: 'list', resource: 'namespaces', namespace: '' },
      convert: (raw) => toNamespaceObject(raw as never),
      listPage: (page, o) => this.core.listNamespace(page, o) as Promise<ListPage>,
    });
    this.serviceAccounts = this.source({
      description: 'serviceaccounts',
      path: '/api/v1/serviceaccounts',
      operation: { verb: 'watch', resource: 'serviceaccounts', namespace: '' },
      listOperation: { verb: 'list', resource: 'serviceaccounts', namespace: '' },
      convert: (raw) => toServiceAccountObject(raw as never),
      listPage: (page, o) => this.core.listServiceAccountForAllNamespaces(page, o) as Promise<ListPage>,
    });
    this.distributions = this.source({
      description: DISTRIBUTION_PLURAL,
      path: CR_PATH,
      operation: { verb: 'watch', resource: 'pullsecretdistributions', namespace: '' },
      listOperation: { verb: 'list', resource: 'pullsecretdistributions', namespace: '' },
      convert: toDistributionObject,
      listPage: (page, o) => this.custom.listClusterCustomObject({ ...CR, ...page }, o) as Promise<ListPage>,
    });
  }

  secretsLabelled(labelSelector: string, options: SecretsLabelledOptions = {}): KubernetesWatchSource<SecretObject> {
    // Parsed here too, so a bad selector fails as in the in-memory cluster (a LabelSelectorError), not as a 400.
    parseLabelSelector(labelSelector);
    const { namespace } = options;
    return this.source(
      {
        description: `secrets(${labelSelector})${namespace ? ` in ${namespace}` : ''}`,
        path: namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets` : '/api/v1/secrets',
        labelSelector,
        operation: { verb: 'watch', resource: 'secrets', namespace: namespace ?? '' },
        listOperation: { verb: 'list', resource: 'secrets', namespace: namespace ?? '' },
        convert: (raw) => {
          const secret = toSecretObject(raw as never);
          const kept = options.keep ?? ((s: SecretObject) => s);
          return kept(options.digestData ? { ...secret, data: digestsOf(secret.data) } : secret);
        },
        // Base64 data and the metadata around it.
        sizeOf: (raw) => 2048 + Object.values((raw as { data?: Record<string, string> }).data ?? {}).reduce((sum, v) => sum + v.length, 0),
        listPage: (page, o) =>
          (namespace
            ? this.core.listNamespacedSecret({ namespace, ...page, labelSelector }, o)
            : this.core.listSecretForAllNamespaces({ ...page, labelSelector }, o)) as Promise<ListPage>,
      },
      // A Secret may hold up to 1 MiB: the first page is of 20 (near 20 MiB at worst); later ones follow the items' size.
      Math.min(this.pageSize, SECRET_PAGE_SIZE),
    );
  }

  async readDistribution(name: string): Promise<DistributionObject | undefined> {
    try {
      const op: ApiCall = { verb: 'get', resource: 'pullsecretdistributions', namespace: '', name };
      return toDistributionObject(await this.call(op, (o) => this.custom.getClusterCustomObject({ ...CR, name }, o)));
    } catch (error) {
      if (error instanceof DistributionNotFoundError) return undefined;
      throw error;
    }
  }

  async createDistribution(draft: DistributionDraft): Promise<DistributionObject> {
    const op: ApiCall = { verb: 'create', resource: 'pullsecretdistributions', namespace: '', name: draft.name };
    const body = toDistributionBody(draft);
    return toDistributionObject(await this.call(op, (o) => this.custom.createClusterCustomObject({ ...CR, body }, o)));
  }

  async replaceDistribution(draft: DistributionDraft & { resourceVersion: string }): Promise<DistributionObject> {
    // An empty resourceVersion would make the API server patch unconditionally; the port never does.
    if (!draft.resourceVersion) throw new StaleWriteError('', draft.name, 'pullsecretdistribution');
    const op: ApiCall = { verb: 'patch', resource: 'pullsecretdistributions', namespace: '', name: draft.name };
    const body = distributionReplacementPatch(draft);
    const patched = await this.call(op, (o) =>
      this.custom.patchClusterCustomObject({ ...CR, name: draft.name, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, o)),
    );
    return toDistributionObject(patched);
  }

  async replaceDistributionStatus(name: string, status: DistributionStatus): Promise<DistributionObject> {
    // The controller is the only writer of status: no resourceVersion precondition, the whole status at once.
    const op: ApiCall = { verb: 'patch', resource: 'pullsecretdistributions', subresource: 'status', namespace: '', name };
    const body = [{ op: 'add', path: '/status', value: structuredClone(status) }];
    const patched = await this.call(op, (o) =>
      this.custom.patchClusterCustomObjectStatus({ ...CR, name, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, o)),
    );
    return toDistributionObject(patched);
  }

  async deleteDistribution(name: string, uid: string): Promise<void> {
    const op: ApiCall = { verb: 'delete', resource: 'pullsecretdistributions', namespace: '', name };
    // The uid precondition: a distribution re-created under the same name is never deleted by mistake (409 → StaleWriteError).
    await this.call(op, (o) => this.custom.deleteClusterCustomObject({ ...CR, name, body: { preconditions: { uid } } }, o));
  }

  async listPods(namespace: string): Promise<PodObject[]> {
    const op: ApiCall = { verb: 'list', resource: 'pods', namespace };
    const pods: PodObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(op, (o) => this.core.listNamespacedPod({ namespace, limit: this.pageSize, _continue: token }, o));
      pods.push(...page.items.map(toPodObject));
      token = page.metadata?._continue || undefined;
    } while (token);
    return pods;
  }

  async recordEvent(event: DistributionEvent): Promise<void> {
    const op: ApiCall = { verb: 'create', resource: 'events', namespace: EVENT_NAMESPACE, name: event.distribution.name };
    const body = toEventBody(event, EVENT_NAMESPACE, new Date());
    try {
      await this.call(op, (o) => this.core.createNamespacedEvent({ namespace: EVENT_NAMESPACE, body }, o));
    } catch {
      // An Event is a courtesy to `kubectl describe`: losing one must not fail a reconcile.
    }
  }

  /** Logged or serialised, the adapter shows only its description: its clients hold the credentials. */
  toJSON(): { description: string } {
    return { description: this.description };
  }

  [inspect.custom](): string {
    return `KubernetesDistributions { ${this.description} }`;
  }

  private source<T>(
    endpoint: ConstructorParameters<typeof KubernetesWatchSource<T>>[0],
    pageSize = this.pageSize,
  ): KubernetesWatchSource<T> {
    return new KubernetesWatchSource(endpoint, this.connection, this.call, pageSize, this.pageSize);
  }

  /** Runs one API call under the deadline and translates whatever it throws. */
  private readonly call = async <T>(operation: ApiCall, send: (options: ConfigurationOptions) => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(this.options.timeoutMs, (signal) => send(perCallOptions(signal, this.agents)));
    } catch (error) {
      throw translateDistributionError(error, operation);
    }
  };
}
