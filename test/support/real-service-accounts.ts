import { CoreV1Api } from '@kubernetes/client-node';
import { toServiceAccountObject } from '../../src/cluster/kubernetes/service-accounts.js';
import type { SeedServiceAccount } from '../../src/cluster/memory/service-accounts.js';
import type { ServiceAccountObject } from '../../src/domain/cluster.js';
import { adminKubeConfig, uniqueName } from './real-cluster.js';

// Arranging and inspecting ServiceAccounts and namespaces on the kit with the admin client,
// behind the back of the code under test.

const core = (): CoreV1Api => adminKubeConfig().makeApiClient(CoreV1Api);

/** Creates a ServiceAccount with every field of the seed (the kit has no controller to add token secrets). */
export async function createServiceAccountDirectly(seed: SeedServiceAccount): Promise<ServiceAccountObject> {
  const created = await core().createNamespacedServiceAccount({
    namespace: seed.namespace,
    body: {
      metadata: { name: seed.name, labels: seed.labels },
      imagePullSecrets: seed.imagePullSecrets?.map((name) => ({ name })),
      secrets: seed.secrets?.map((name) => ({ name })),
      automountServiceAccountToken: seed.automountServiceAccountToken,
    },
  });
  return toServiceAccountObject(created);
}

/** Every field a seed can set, as stored, or undefined when there is no such ServiceAccount. */
export async function readServiceAccountDirectly(namespace: string, name: string): Promise<Required<SeedServiceAccount> | undefined> {
  const account = await core()
    .readNamespacedServiceAccount({ namespace, name })
    .catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
  if (!account) return undefined;
  return {
    namespace,
    name,
    imagePullSecrets: (account.imagePullSecrets ?? []).map((r) => r.name ?? ''),
    labels: { ...account.metadata?.labels },
    secrets: (account.secrets ?? []).map((r) => r.name ?? ''),
    automountServiceAccountToken: account.automountServiceAccountToken ?? true,
  };
}

/** A fresh namespace with these labels. */
export async function createLabelledNamespace(prefix: string, labels: Record<string, string>): Promise<string> {
  const name = uniqueName(prefix);
  await core().createNamespace({ body: { metadata: { name, labels } } });
  return name;
}

/** Deletes the namespace's ServiceAccounts and Secrets, then the namespace (the kit has no namespace controller to do it). */
export async function removeNamespace(name: string): Promise<void> {
  const api = core();
  await api.deleteCollectionNamespacedServiceAccount({ namespace: name });
  await api.deleteCollectionNamespacedSecret({ namespace: name });
  await api.deleteNamespace({ name }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
  // Nobody removes the "kubernetes" finalizer in the kit: do it, or the namespace stays Terminating.
  await api.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } });
}
