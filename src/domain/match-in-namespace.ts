import { NamespaceNotFoundError, ServiceAccountNotFoundError, type Cluster } from './cluster.js';
import { matchImages, type MissingPullSecret, type PullSecretSource } from './match-images.js';
import type { MatchResult, NamespacedMatchBody } from './match-schemas.js';

/**
 * The match simulator over what a namespace holds: the Pod's `imagePullSecrets` as named, or those a
 * new Pod would get from its ServiceAccount. Secrets are read in the Pod's order; a missing one is
 * skipped, as the kubelet does (with a warning). @throws NamespaceNotFoundError, ServiceAccountNotFoundError
 */
export async function matchImagesInNamespace(cluster: Cluster, namespace: string, body: NamespacedMatchBody): Promise<MatchResult & { secrets: string[] }> {
  const names = body.serviceAccount !== undefined ? await pullSecretsOf(cluster, namespace, body.serviceAccount) : body.secrets!;
  const secrets = await Promise.all(
    names.map(async (name): Promise<PullSecretSource | MissingPullSecret> => {
      const secret = await cluster.readSecret(namespace, name);
      return secret ? { name, type: secret.type, data: secret.data } : { name, missing: true };
    }),
  );
  if (secrets.every((s) => 'missing' in s) && !(await cluster.namespaceExists(namespace))) throw new NamespaceNotFoundError(namespace);
  return { ...matchImages(body.images, { secrets }), secrets: names };
}

async function pullSecretsOf(cluster: Cluster, namespace: string, serviceAccount: string): Promise<string[]> {
  const account = await cluster.readServiceAccount(namespace, serviceAccount);
  if (!account) {
    if (!(await cluster.namespaceExists(namespace))) throw new NamespaceNotFoundError(namespace);
    throw new ServiceAccountNotFoundError(namespace, serviceAccount);
  }
  return account.imagePullSecrets;
}
