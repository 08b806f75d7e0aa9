import type { CoreV1Api } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { NamespaceBatch, uniqueName } from './namespace.js';

const WRITE_CONCURRENCY = 16;

/** A namespace of the bench's own on the kit: its ServiceAccount `default`, pull secrets and Pods, all removed by remove(). */
export class PullcheckNamespace {
  readonly name = uniqueName('regcred-pullcheck');
  private readonly limit = pLimit(WRITE_CONCURRENCY);

  constructor(private readonly core: CoreV1Api) {}

  /** Creates the namespace (labelled as the bench's, so a killed run's leftover can be found) and its `default` ServiceAccount. */
  async create(): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name: this.name, labels: { [NamespaceBatch.LABEL]: this.name } } } });
    // The kit runs no controller manager: nothing else makes `default`.
    await this.core.createNamespacedServiceAccount({ namespace: this.name, body: { metadata: { name: 'default' } } });
  }

  /** A kubernetes.io/dockerconfigjson Secret with one credential for `registry`. */
  async pullSecret(name: string, registry: string, username: string, password: string): Promise<void> {
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    const config = JSON.stringify({ auths: { [registry]: { username, password, auth } } });
    await this.core.createNamespacedSecret({
      namespace: this.name,
      body: {
        metadata: { name },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
      },
    });
  }

  /** Creates the Pods, WRITE_CONCURRENCY at a time; those with `waiting` get that reason on their container through /status. */
  async pods(pods: Array<{ name: string; image: string; secret: string; waiting?: string }>): Promise<void> {
    await Promise.all(
      pods.map((pod) =>
        this.limit(async () => {
          const created = await this.core.createNamespacedPod({
            namespace: this.name,
            body: {
              metadata: { name: pod.name },
              // No token controller in the kit: without this, admission waits for a token Secret.
              spec: {
                automountServiceAccountToken: false,
                imagePullSecrets: [{ name: pod.secret }],
                containers: [{ name: 'app', image: pod.image }],
              },
            },
          });
          if (!pod.waiting) return;
          const waiting = { reason: pod.waiting, message: `Back-off pulling image "${pod.image}"` };
          created.status = {
            ...created.status,
            containerStatuses: [{ name: 'app', image: pod.image, imageID: '', ready: false, restartCount: 0, state: { waiting } }],
          };
          await this.core.replaceNamespacedPodStatus({ namespace: this.name, name: pod.name, body: created });
        }),
      ),
    );
  }

  /** Removes what the bench made; the kit has no namespace controller, so the objects go first and the finalizer by hand. */
  async remove(): Promise<void> {
    const namespace = this.name;
    await this.core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
    await this.core.deleteCollectionNamespacedSecret({ namespace });
    await this.core.deleteCollectionNamespacedServiceAccount({ namespace });
    await this.core.deleteNamespace({ name: namespace });
    await this.core.replaceNamespaceFinalize({ name: namespace, body: { metadata: { name: namespace }, spec: { finalizers: [] } } });
  }
}
