import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export interface BenchNamespace {
  name: string;
  /** Creates an empty pull secret to be updated by the load (so every PUT is read + replace). */
  seedSecret(name: string): Promise<void>;
  remove(): Promise<void>;
}

/** A fresh namespace for the bench's writes, created with the kit's admin kubeconfig. */
export async function createBenchNamespace(kubeconfig: string): Promise<BenchNamespace> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const name = `regcred-bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
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
    remove: async () => {
      await core.deleteCollectionNamespacedSecret({ namespace: name });
      await core.deleteNamespace({ name });
      // The kit has no namespace controller: without this the namespace stays Terminating forever.
      await core.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } });
    },
  };
}
