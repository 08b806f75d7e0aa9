import { inspect } from 'node:util';
import {
  CoreV1Api,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  Observable,
  PatchStrategy,
  ServerConfiguration,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type V1Secret,
} from '@kubernetes/client-node';
import {
  NamespaceNotFoundError,
  SecretNotFoundError,
  StaleWriteError,
  type Cluster,
  type NamespaceListOptions,
  type NamespacePage,
  type PodListOptions,
  type PodPage,
  type SecretListOptions,
  type SecretPage,
  type ServiceAccountListOptions,
  type ServiceAccountObject,
  type ServiceAccountPage,
  type WriteOptions,
} from '../../domain/cluster.js';
import type { SecretDraft, SecretObject } from '../../domain/kubernetes/secret.js';
import { UnavailableError } from '../../errors.js';
import { withDeadline } from './deadline.js';
import { KeepAliveAgents } from './keep-alive-agent.js';
import { continueTokenFailure, translateClusterError, unavailability, type ApiCall } from './errors.js';
import { sendJson, type JsonConnection } from './json-request.js';
import { replacementPatch, toSecretObject, toV1Secret } from './secrets.js';
import { KubernetesPods } from './pods.js';
import { KubernetesServiceAccounts } from './service-accounts.js';

export interface KubernetesClusterOptions {
  /** Upper bound for every API call, connection and response body included. */
  timeoutMs: number;
  /** The connection pool; share one with the access reviewer so both reuse the same connections. */
  agents?: KeepAliveAgents;
}

/** The Cluster port over a real Kubernetes API server, through @kubernetes/client-node's CoreV1Api. */
export class KubernetesCluster implements Cluster {
  readonly description: string;
  private readonly core: CoreV1Api;
  private readonly server: ServerConfiguration<Record<string, string>>;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly timeoutMs: number;
  private readonly agents: KeepAliveAgents;
  private readonly serviceAccounts: KubernetesServiceAccounts;
  private readonly pods: KubernetesPods;
  private readonly connection: JsonConnection;

  constructor(
    private readonly kubeConfig: KubeConfig,
    options: KubernetesClusterOptions,
  ) {
    this.agents = options.agents ?? new KeepAliveAgents();
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.server = new ServerConfiguration(kubeConfig.getCurrentCluster()?.server ?? '', {});
    this.timeoutMs = options.timeoutMs;
    this.connection = { kubeConfig, server: this.server, agents: this.agents };
    this.description = describeKubeConfig(kubeConfig);
    this.serviceAccounts = new KubernetesServiceAccounts(this.core, (operation, send) => this.call(operation, send));
    this.pods = new KubernetesPods(this.core, (operation, send) => this.call(operation, send));
  }

  async readSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    try {
      const op: ApiCall = { verb: 'get', resource: 'secrets', namespace, name };
      return toSecretObject(await this.call(op, (o) => this.core.readNamespacedSecret({ namespace, name }, o)));
    } catch (error) {
      if (error instanceof SecretNotFoundError) return undefined;
      throw error;
    }
  }

  async listSecrets(namespace: string, options: SecretListOptions): Promise<SecretPage> {
    const op: ApiCall = { verb: 'list', resource: 'secrets', namespace };
    // The API server takes one type= per selector (a comma means AND), so each type is its own listing.
    const fieldSelector = options.type === undefined ? undefined : `type=${escapeSelectorValue(options.type)}`;
    const request = { namespace, fieldSelector, limit: options.limit, _continue: options.continue };
    try {
      const list = await this.call(op, (o) => this.core.listNamespacedSecret(request, o));
      const next = list.metadata?._continue;
      return { items: list.items.map(toSecretObject), ...(next ? { continue: next } : {}) };
    } catch (error) {
      throw continueTokenFailure(error, options.continue);
    }
  }

  async createSecret(draft: SecretDraft, options: WriteOptions = {}): Promise<SecretObject> {
    const { namespace, name } = draft;
    const op: ApiCall = { verb: 'create', resource: 'secrets', namespace, name };
    const body = toV1Secret({ ...draft, resourceVersion: undefined });
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${dryRunQuery(options)}`;
    const created = await this.callJson(op, HttpMethod.POST, path, body, 'application/json');
    return toSecretObject(created as V1Secret);
  }

  async replaceSecret(draft: SecretDraft & { resourceVersion: string }, options: WriteOptions = {}): Promise<SecretObject> {
    const { namespace, name } = draft;
    // The API server treats an empty resourceVersion as "replace unconditionally"; the port never does.
    if (!draft.resourceVersion) throw new StaleWriteError(namespace, name);
    const op: ApiCall = { verb: 'patch', resource: 'secrets', namespace, name };
    const body = replacementPatch(draft);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}${dryRunQuery(options)}`;
    const patched = await this.callJson(op, HttpMethod.PATCH, path, body, PatchStrategy.JsonPatch);
    return toSecretObject(patched as V1Secret);
  }

  async deleteSecret(namespace: string, name: string, uid: string, options: WriteOptions = {}): Promise<void> {
    const op: ApiCall = { verb: 'delete', resource: 'secrets', namespace, name };
    // With a DeleteOptions body the API server ignores the query parameters, so dryRun goes in the body.
    const body = { preconditions: { uid }, ...(options.dryRun ? { dryRun: ['All'] } : {}) };
    await this.call(op, (o) => this.core.deleteNamespacedSecret({ namespace, name, body }, o));
  }

  async namespaceExists(namespace: string): Promise<boolean> {
    try {
      await this.call({ verb: 'get', resource: 'namespaces', namespace, name: namespace }, (o) =>
        this.core.readNamespace({ name: namespace }, o),
      );
      return true;
    } catch (error) {
      if (error instanceof NamespaceNotFoundError) return false;
      throw error;
    }
  }

  readServiceAccount(namespace: string, name: string): Promise<ServiceAccountObject | undefined> {
    return this.serviceAccounts.read(namespace, name);
  }

  listServiceAccounts(namespace: string, options: ServiceAccountListOptions): Promise<ServiceAccountPage> {
    return this.serviceAccounts.list(namespace, options);
  }

  setServiceAccountPullSecrets(
    namespace: string,
    name: string,
    secretNames: string[],
    resourceVersion: string,
    options: WriteOptions = {},
  ) {
    return this.serviceAccounts.setPullSecrets(namespace, name, secretNames, resourceVersion, dryRunParameter(options));
  }

  listNamespaces(options: NamespaceListOptions): Promise<NamespacePage> {
    return this.serviceAccounts.listNamespaces(options);
  }

  readPod(namespace: string, name: string) {
    return this.pods.read(namespace, name);
  }

  listPods(namespace: string, options: PodListOptions): Promise<PodPage> {
    return this.pods.list(namespace, options);
  }

  async ping(): Promise<void> {
    let status: number;
    try {
      status = await withDeadline(this.timeoutMs, (signal) => this.readyz(signal));
    } catch (error) {
      throw unavailability(error) ?? new UnavailableError('the Kubernetes API server did not answer the readiness check');
    }
    if (status !== 200) throw new UnavailableError(`the Kubernetes API server is not ready (GET /readyz answered HTTP ${status})`);
  }

  /** GET /readyz through client-node's own HTTP library and authentication (the generated API has no such call). */
  private async readyz(signal: AbortSignal): Promise<number> {
    const request = this.server.makeRequestContext('/readyz', HttpMethod.GET);
    await this.kubeConfig.applySecurityAuthentication(request);
    const agent = this.agents.reuse(request.getAgent());
    if (agent) request.setAgent(agent);
    request.setSignal(signal);
    const response = await this.http.send(request).toPromise();
    await response.body.text();
    return response.httpStatusCode;
  }

  /** Logged or serialised, the adapter shows only its description: its client holds the credentials. */
  toJSON(): { description: string } {
    return { description: this.description };
  }

  [inspect.custom](): string {
    return `KubernetesCluster { ${this.description} }`;
  }

  /** One JSON request of the roll-out's hot path (sendJson), under the deadline, its errors translated as call's. */
  private async callJson(operation: ApiCall, method: HttpMethod, path: string, body: unknown, contentType: string): Promise<unknown> {
    try {
      return await withDeadline(this.timeoutMs, (signal) => sendJson(this.connection, method, path, body, contentType, signal));
    } catch (error) {
      throw translateClusterError(error, operation);
    }
  }

  /** Runs one API call under the deadline and translates whatever it throws. */
  private async call<T>(operation: ApiCall, send: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(this.timeoutMs, (signal) => send(perCallOptions(signal, this.agents)));
    } catch (error) {
      throw translateClusterError(error, operation);
    }
  }
}

/** A field selector value with its operators escaped (the API server's fields.EscapeValue). */
function escapeSelectorValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

function dryRunParameter(options: WriteOptions): 'All' | undefined {
  return options.dryRun ? 'All' : undefined;
}

function dryRunQuery(options: WriteOptions): string {
  return options.dryRun ? '?dryRun=All' : '';
}

/** Per-call options: the signal for client-node's fetch (an abort closes the connection) and a shared keep-alive agent. */
export function perCallOptions(signal: AbortSignal, agents: KeepAliveAgents): ConfigurationOptions {
  const attachSignal: ObservableMiddleware = {
    pre: (request) => {
      // Middleware runs after authentication has put a fresh agent on the request.
      const agent = agents.reuse(request.getAgent());
      if (agent) request.setAgent(agent);
      request.setSignal(signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [attachSignal], middlewareMergeStrategy: 'append' };
}

/** Context and server URL, never credentials (user info in the URL is dropped too). */
export function describeKubeConfig(kubeConfig: KubeConfig): string {
  const server = kubeConfig.getCurrentCluster()?.server ?? 'an unknown server';
  let shown = server;
  try {
    const url = new URL(server);
    url.username = '';
    url.password = '';
    shown = url.toString().replace(/\/$/, '');
  } catch {
    // Not a URL: show it as configured.
  }
  return `Kubernetes API server ${shown} (kubeconfig context "${kubeConfig.getCurrentContext()}")`;
}
