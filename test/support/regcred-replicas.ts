import { Buffer } from 'node:buffer';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { LEASE_NAME } from '../../src/distribution-runtime.js';
import {
  DISTRIBUTION_GROUP,
  DISTRIBUTION_LABEL,
  DISTRIBUTION_PLURAL,
  DISTRIBUTION_VERSION,
} from '../../src/domain/distributions/distribution.js';
import { spawnService } from './service-process.js';

// regcred processes running the distribution controller against a kit, and what the tests
// arrange and inspect around them with the kit's admin client.

const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };
/** Namespace writes the tests make at once, so that arranging does not starve the processes under test. */
const PARALLELISM = 16;

export interface Replica {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** The token regcred generated for this run (grant `*`). */
  readonly token: string;
  /** Everything it wrote on stdout and stderr so far. */
  output(): string;
  /** Its Lease identity, once it has led (from its "leading" log line). */
  identity(): string | undefined;
  /** regcred_controller_leader as its /metrics says now. */
  leaderMetric(): Promise<number>;
  /** SIGKILL, and waits until it has exited. */
  kill(): Promise<void>;
}

/** Starts src/main.ts on the kit with the controller on, in its own namespace, and waits until it listens. */
export function startReplica(
  kubeconfigPath: string,
  namespace: string,
  env: Record<string, string> = {},
  startTimeoutMs = 60_000,
): Promise<Replica> {
  const child = spawnService({
    KUBECONFIG: kubeconfigPath,
    REGCRED_CLUSTER: 'kubernetes',
    REGCRED_NAMESPACE: namespace,
    ...env,
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  let port: number | undefined;
  let identity: string | undefined;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((resolveReplica, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within ${startTimeoutMs} ms:\n${stdout}\n${stderr}`)),
      startTimeoutMs,
    );
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      // A chunk may end in the middle of a line.
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const entry = parseLine(line);
        if (entry.msg?.startsWith('leading:') && typeof entry.identity === 'string') identity = entry.identity;
        if (port === undefined && typeof entry.port === 'number') {
          port = entry.port;
          clearTimeout(timer);
          const token = /generated one for this run[^:]*: (\S+)/.exec(stderr)?.[1];
          if (!token) return reject(new Error(`no generated token on stderr:\n${stderr}`));
          const url = `http://127.0.0.1:${port}`;
          resolveReplica({
            child,
            url,
            token,
            output: () => stdout + stderr,
            identity: () => identity,
            leaderMetric: async () => {
              const text = await (await fetch(`${url}/metrics`)).text();
              const value = /^regcred_controller_leader (\d+)$/m.exec(text)?.[1];
              if (value === undefined) throw new Error('no regcred_controller_leader in /metrics');
              return Number(value);
            },
            kill: async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
              await exited;
            },
          });
        }
      }
    });
    child.once('exit', (code) => {
      if (port === undefined) reject(new Error(`exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
}

function parseLine(line: string): { msg?: string; port?: unknown; identity?: unknown } {
  try {
    return JSON.parse(line) as { msg?: string };
  } catch {
    return {};
  }
}

/** What a test made on a kit, and how to take it all away again. */
export class KitObjects {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  private readonly coordination: CoordinationV1Api;
  private readonly namespaces = new Set<string>();
  private readonly distributions = new Set<string>();

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  /** Creates the namespaces with these labels, PARALLELISM at a time. */
  async createNamespaces(names: string[], labels: Record<string, string> = {}): Promise<void> {
    const limit = pLimit(PARALLELISM);
    await Promise.all(
      names.map((name) =>
        limit(async () => {
          this.namespaces.add(name);
          await this.core.createNamespace({ body: { metadata: { name, labels } } });
        }),
      ),
    );
  }

  /** A distribution the cleanup must take away (whoever created it). */
  track(distribution: string): void {
    this.distributions.add(distribution);
  }

  /** The Secrets labelled as copies of `distribution`, by namespace. */
  async copies(distribution: string): Promise<string[]> {
    const list = await this.core.listSecretForAllNamespaces({ labelSelector: `${DISTRIBUTION_LABEL}=${distribution}` });
    return list.items.map((s) => s.metadata?.namespace ?? '').sort();
  }

  async readSecret(namespace: string, name: string) {
    return this.core.readNamespacedSecret({ namespace, name }).catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
  }

  /** The distribution as the API server has it, or undefined once it is gone. */
  async readDistribution(name: string): Promise<{ metadata?: { finalizers?: string[] } } | undefined> {
    return this.custom.getClusterCustomObject({ ...CR, name }).catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
  }

  async leaseHolder(namespace: string): Promise<string | undefined> {
    const lease = await this.coordination.readNamespacedLease({ namespace, name: LEASE_NAME });
    return lease.spec?.holderIdentity;
  }

  /** Distributions stripped of finalizers and deleted; namespaces emptied, deleted and finalized (the kit has no controllers). */
  async cleanup(): Promise<void> {
    for (const name of this.distributions) {
      await this.custom
        .patchClusterCustomObject({ ...CR, name, body: [{ op: 'replace', path: '/metadata/finalizers', value: [] }] })
        .catch(() => undefined);
      await this.custom.deleteClusterCustomObject({ ...CR, name }).catch(() => undefined);
    }
    this.distributions.clear();
    const limit = pLimit(PARALLELISM);
    await Promise.all([...this.namespaces].map((name) => limit(() => this.removeNamespace(name).catch(() => undefined))));
    this.namespaces.clear();
  }

  private async removeNamespace(name: string): Promise<void> {
    await this.core.deleteCollectionNamespacedServiceAccount({ namespace: name });
    await this.core.deleteCollectionNamespacedSecret({ namespace: name });
    await this.coordination.deleteCollectionNamespacedLease({ namespace: name });
    await this.core.deleteNamespace({ name }).catch((error: { code?: number }) => {
      if (error.code !== 404 && error.code !== 409) throw error;
    });
    await this.core.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } });
  }
}
