import { ContinueTokenError, NamespaceNotFoundError, type Cluster, type SecretPage } from '../cluster.js';
import { READ_BUDGET_BYTES, secretBytes } from './read-budget.js';
import { toPullSecretView } from '../secret-manifest/redact-secret.js';
import { PULL_SECRET_TYPES, type SecretObject } from '../kubernetes/secret.js';
import { referencedBy } from './service-account-pages.js';
import type { PullSecretList } from '../view-schemas.js';
import { readRestartingOnce } from '../whole-listing.js';

/** Pull secrets one list answer holds at most, and by default; `continue` fetches the rest. */
export const MAX_LIST_LIMIT = 500;
/**
 * Secrets asked of the API server at a time. An answer stops once it holds READ_BUDGET_BYTES, so past
 * the budget at most one chunk more is held: 10 Secrets of at most 1 MiB each.
 */
export const LIST_CHUNK = 10;

export interface ListPullSecretsOptions {
  limit?: number;
  /** From the previous answer: where this one goes on. */
  continue?: string;
  /** Also say which ServiceAccounts reference each secret. */
  withReferences?: boolean;
}

/** Where a listing stands: which pull secret type, and the cluster's token within that type's listing. */
interface Position {
  type: number;
  continue?: string;
}

/**
 * One page of the namespace's pull secrets, redacted: kubernetes.io/dockerconfigjson ones by name, then
 * kubernetes.io/dockercfg ones. Only pull secrets are read from the cluster (a selector on the type), a
 * few at a time, and an answer stops at `limit` items or READ_BUDGET_BYTES, whichever comes first;
 * `continue` is then set. @throws NamespaceNotFoundError, ContinueTokenError (the caller's), UnavailableError
 */
export async function listPullSecrets(cluster: Cluster, namespace: string, options: ListPullSecretsOptions = {}): Promise<PullSecretList> {
  const limit = Math.min(options.limit ?? MAX_LIST_LIMIT, MAX_LIST_LIMIT);
  const page = await readPage(cluster, namespace, limit, options.continue === undefined ? { type: 0 } : positionIn(options.continue));
  if (options.continue === undefined && page.secrets.length === 0 && !(await cluster.namespaceExists(namespace))) {
    throw new NamespaceNotFoundError(namespace);
  }
  // After the page, so only the references to its secrets are held (a namespace can have thousands of ServiceAccounts).
  const references =
    options.withReferences && page.secrets.length > 0
      ? await referencedBy(
          cluster,
          namespace,
          page.secrets.map((s) => s.name),
        )
      : undefined;
  const items = page.secrets.map((s) => ({
    ...toPullSecretView(s),
    ...(options.withReferences ? { referencedBy: references?.get(s.name) ?? [] } : {}),
  }));
  return { namespace, items, ...(page.next ? { continue: tokenOf(page.next) } : {}) };
}

type Page = { secrets: SecretObject[]; next?: Position };

/**
 * The page from `start`. A token the caller sent that expired is theirs to restart from (a 422 naming
 * `continue`); one this request got itself and that expired part-way is not: the page is read again
 * from `start`, once, and a second expiry is a 503 to retry (see readRestartingOnce).
 */
function readPage(cluster: Cluster, namespace: string, limit: number, start: Position): Promise<Page> {
  return readRestartingOnce(
    'Secrets',
    () => readChunks(cluster, namespace, limit, start),
    (error) => error instanceof OwnTokenExpiredError,
  );
}

class OwnTokenExpiredError extends Error {}

async function readChunks(cluster: Cluster, namespace: string, limit: number, start: Position): Promise<Page> {
  const secrets: SecretObject[] = [];
  let bytes = 0;
  let position: Position | undefined = start;
  while (position && secrets.length < limit && bytes < READ_BUDGET_BYTES) {
    let chunk: SecretPage;
    try {
      chunk = await cluster.listSecrets(namespace, {
        type: PULL_SECRET_TYPES[position.type],
        limit: Math.min(LIST_CHUNK, limit - secrets.length),
        continue: position.continue,
      });
    } catch (error) {
      throw error instanceof ContinueTokenError && position !== start ? new OwnTokenExpiredError() : error;
    }
    for (const secret of chunk.items) {
      secrets.push(secret);
      bytes += secretBytes(secret);
    }
    if (chunk.continue) position = { type: position.type, continue: chunk.continue };
    else position = position.type + 1 < PULL_SECRET_TYPES.length ? { type: position.type + 1 } : undefined;
  }
  return { secrets, next: position };
}

function tokenOf(position: Position): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** @throws ContinueTokenError for anything tokenOf did not make */
function positionIn(token: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new ContinueTokenError(false);
  }
  const { type, continue: next } = (parsed ?? {}) as Partial<Record<keyof Position, unknown>>;
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type >= PULL_SECRET_TYPES.length)
    throw new ContinueTokenError(false);
  if (next !== undefined && (typeof next !== 'string' || next === '')) throw new ContinueTokenError(false);
  return next === undefined ? { type } : { type, continue: next };
}
