import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';

export interface BenchNamespace {
  name: string;
  /** Creates an empty pull secret to be updated by the load (so every PUT is read + replace). */
  seedSecret(name: string): Promise<void>;
  remove(): Promise<void>;
}

/** A client of the kit with its admin kubeconfig. */
export function adminClient(kubeconfig: string): CoreV1Api {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfig);
  return kubeConfig.makeApiClient(CoreV1Api);
}

/** A name no other bench run (or test) uses: `<prefix>-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A fresh namespace for the bench's writes, created with the kit's admin kubeconfig. */
export async function createBenchNamespace(kubeconfig: string): Promise<BenchNamespace> {
  const core = adminClient(kubeconfig);
  const name = uniqueName('regcred-bench');
  await core.createNamespace({ body: { metadata: { name } } });
  return {
    name,
    seedSecret: async (secret) => {
      await core.createNamespacedSecret({
        namespace: name,
        body: {
          metadata: { name: secret, labels: { 'app.kubernetes.io/managed-by': 'regcred' } },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
        },
      });
    },
    remove: () => removeNamespace(core, name),
  };
}

async function removeNamespace(core: CoreV1Api, name: string): Promise<void> {
  await core.deleteCollectionNamespacedSecret({ namespace: name });
  await core.deleteNamespace({ name });
  // The kit has no namespace controller: without this the namespace stays Terminating forever.
  await core.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } });
}

/** Many fresh namespaces, created and removed `concurrency` at a time. */
export class NamespaceBatch {
  /** The label every namespace of the batch carries, so leftovers of a killed run can be found. */
  static readonly LABEL = 'regcred.bench/batch';
  readonly prefix: string;
  private readonly created = new Set<string>();
  private readonly limit;
  private creating: Promise<unknown> = Promise.resolve();
  private readonly adding = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly core: CoreV1Api,
    concurrency: number,
    prefix = 'regcred-fanout',
  ) {
    this.limit = pLimit(concurrency);
    this.prefix = uniqueName(prefix);
  }

  /** The selector over the batch's namespaces (its label), those created later by add() included. */
  get selector(): string {
    return `${NamespaceBatch.LABEL}=${this.prefix}`;
  }

  /** Creates one more namespace, `<prefix>-<suffix>`, at once (not queued behind a bulk creation); answers its name. */
  async add(suffix: string): Promise<string> {
    if (this.stopped) throw new Error('namespace batch removed while being created');
    const name = `${this.prefix}-${suffix}`;
    const creation = (async () => {
      await this.core.createNamespace({ body: { metadata: { name, labels: { [NamespaceBatch.LABEL]: this.prefix } } } });
      this.created.add(name);
    })();
    this.adding.add(creation);
    try {
      await creation;
    } finally {
      this.adding.delete(creation);
    }
    return name;
  }

  /** Creates `<prefix>-000`, `<prefix>-001`, … and answers their names, in order. */
  async create(count: number): Promise<string[]> {
    const names = Array.from({ length: count }, (_, i) => `${this.prefix}-${String(i).padStart(3, '0')}`);
    const labels = { [NamespaceBatch.LABEL]: this.prefix };
    const creations = names.map((name) =>
      this.limit(async () => {
        if (this.stopped) throw new Error('namespace batch removed while being created');
        await this.core.createNamespace({ body: { metadata: { name, labels } } });
        this.created.add(name);
      }),
    );
    this.creating = Promise.allSettled(creations);
    await Promise.all(creations);
    return names;
  }

  /** Removes every namespace created so far (also when called while creation is still going on); safe to call twice. */
  async remove(): Promise<void> {
    // Creations still queued fail fast; those under way are waited for, so none is left behind.
    this.stopped = true;
    await Promise.allSettled([this.creating, ...this.adding]);
    const names = [...this.created];
    this.created.clear();
    const failures = (await Promise.allSettled(names.map((name) => this.limit(() => removeNamespace(this.core, name))))).filter(
      (r) => r.status === 'rejected',
    );
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} of ${names.length} namespaces not removed (label ${NamespaceBatch.LABEL}=${this.prefix}): ${String(failures[0]!.reason)}`,
      );
    }
  }
}
