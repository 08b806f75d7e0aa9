import { assertNotDistributionSource } from './distribution-sources.js';
import { readPullSecret, secretKey } from './pull-secrets.js';
import { unlinkServiceAccounts, withDetail, withUnrestored, type ServiceAccountLink } from './service-account-links.js';
import type { WritePorts } from './write-turns.js';

/**
 * Deletes a pull secret, and only a pull secret: other Secrets, and a distribution's source, are
 * refused. With `unlink`, every ServiceAccount of the namespace that names it first loses that
 * entry (so no Pod created later references a missing secret); the ServiceAccounts changed are
 * returned. All or nothing: when
 * unlinking fails, or the delete fails and the secret is still there, every reference removed is put
 * back in its place. When the delete failed but the secret is gone all the same (the API server did
 * delete it and its answer was lost, or another caller or `kubectl delete` got there first), the
 * references stay removed and the delete counts as done: putting them back would name a missing secret.
 */
export async function unlinkAndDelete(
  ports: WritePorts,
  namespace: string,
  name: string,
  options: { dryRun?: boolean; unlink?: boolean } = {},
): Promise<ServiceAccountLink[]> {
  const { cluster } = ports;
  const secret = await readPullSecret(cluster, namespace, name);
  // Whatever happens next, what this process wrote of it is no longer a good guess (see writeDraft).
  if (!options.dryRun) ports.turns.lastWrites.forget(secretKey(namespace, name));
  assertNotDistributionSource(secret);
  if (!options.unlink) {
    await cluster.deleteSecret(namespace, name, secret.uid!, { dryRun: options.dryRun });
    return [];
  }
  const unlinking = await unlinkServiceAccounts(ports, namespace, name, options.dryRun);
  try {
    await cluster.deleteSecret(namespace, name, secret.uid!, { dryRun: options.dryRun });
    return unlinking.links;
  } catch (error) {
    let after;
    try {
      after = await cluster.readSecret(namespace, name);
    } catch {
      if (unlinking.links.length === 0) throw error;
      const accounts = unlinking.links.map((l) => l.serviceAccount).join(', ');
      throw withDetail(
        error,
        `whether secret "${name}" was deleted is unknown, and serviceaccount(s) ${accounts} no longer reference it: repeat the request to finish`,
      );
    }
    if (!after) return unlinking.links;
    // Still there, or made again under its name (uid changed): the references are not dangling, so back they go.
    throw withUnrestored(error, name, await unlinking.restore());
  }
}
