import { NamespaceNotFoundError, ServiceAccountNotFoundError, type Cluster } from '../cluster.js';
import { ValidationError } from '../../errors.js';
import { matchImagesInTurns, type MissingPullSecret, type PullSecretSource } from './match-images.js';
import { MAX_MATCH_SECRETS, type MatchResult, type NamespacedMatchBody } from './match-schemas.js';
import { overBudgetError, READ_BUDGET_BYTES, secretBytes } from '../pull-secrets/read-budget.js';

/** Secrets one match reads at a time: enough to hide the round trips, few enough to leave the connection pool to others. */
export const MATCH_READ_CONCURRENCY = 4;

/**
 * The match simulator over what a namespace holds: the Pod's `imagePullSecrets` as named, or those a
 * new Pod would get from its ServiceAccount. A missing secret is skipped, as the kubelet does (with a
 * warning). Each name is read once however often it is listed, and all of them together within
 * READ_BUDGET_BYTES; a ServiceAccount may name at most MAX_MATCH_SECRETS different secrets, as a
 * request may. @throws NamespaceNotFoundError, ServiceAccountNotFoundError, ValidationError
 */
export async function matchImagesInNamespace(
  cluster: Cluster,
  namespace: string,
  body: NamespacedMatchBody,
): Promise<MatchResult & { secrets: string[] }> {
  const names = body.serviceAccount !== undefined ? await pullSecretsOf(cluster, namespace, body.serviceAccount) : body.secrets!;
  const field = body.serviceAccount !== undefined ? 'serviceAccount' : 'secrets';
  const distinct = [...new Set(names)];
  // A missing secret costs no bytes but still a read: the count bounds the reads.
  if (distinct.length > MAX_MATCH_SECRETS) throw tooManySecrets(field);
  const found = await readEachOnce(cluster, namespace, distinct, field);
  const secrets = names.map((name): PullSecretSource | MissingPullSecret => found.get(name) ?? { name, missing: true });
  if (found.size === 0 && !(await cluster.namespaceExists(namespace))) throw new NamespaceNotFoundError(namespace);
  return { ...(await matchImagesInTurns(body.images, { secrets, field })), secrets: names };
}

async function readEachOnce(cluster: Cluster, namespace: string, names: string[], field: string): Promise<Map<string, PullSecretSource>> {
  const found = new Map<string, PullSecretSource>();
  let next = 0;
  let bytes = 0;
  let stopped = false;
  const reader = async () => {
    while (!stopped && next < names.length) {
      const name = names[next++]!;
      try {
        const secret = await cluster.readSecret(namespace, name);
        if (!secret) continue;
        bytes += secretBytes(secret);
        if (bytes > READ_BUDGET_BYTES) throw overBudgetError(field);
        found.set(name, { name, type: secret.type, data: secret.data });
      } catch (error) {
        stopped = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(MATCH_READ_CONCURRENCY, names.length) }, reader));
  return found;
}

async function pullSecretsOf(cluster: Cluster, namespace: string, serviceAccount: string): Promise<string[]> {
  const account = await cluster.readServiceAccount(namespace, serviceAccount);
  if (!account) {
    if (!(await cluster.namespaceExists(namespace))) throw new NamespaceNotFoundError(namespace);
    throw new ServiceAccountNotFoundError(namespace, serviceAccount);
  }
  return account.imagePullSecrets;
}

function tooManySecrets(field: string): ValidationError {
  const message = `names more than ${MAX_MATCH_SECRETS} different pull secrets; a match reads at most ${MAX_MATCH_SECRETS}`;
  return new ValidationError(`the ServiceAccount ${message}`, [{ path: field, code: 'too_big', message }]);
}
