import { AppError, ValidationError } from '../../errors.js';
import { linkServiceAccounts, readServiceAccounts, type ServiceAccountLink } from './service-account-links.js';
import type { PullSecretView, WriteResult } from '../view-schemas.js';
import type { WritePorts } from './write-turns.js';

/**
 * A pull secret's write (`write`: drafted, written and described), then the secret linked to these
 * ServiceAccounts in `namespace`. Every named ServiceAccount must exist before anything is written
 * (422 naming the missing ones otherwise).
 * @throws LinkAfterWriteError when the secret was written but a ServiceAccount could not be linked
 */
export async function writeAndLink(
  ports: WritePorts,
  { namespace, dryRun }: { namespace: string; dryRun?: boolean },
  serviceAccounts: readonly string[] | undefined,
  write: () => Promise<PullSecretView>,
): Promise<PullSecretView> {
  if (!serviceAccounts?.length) return write();
  const { found, missing } = await readServiceAccounts(ports.cluster, namespace, serviceAccounts);
  if (missing.length > 0) {
    throw new ValidationError(
      `serviceaccount(s) not found in namespace "${namespace}": ${missing.join(', ')}; nothing was written`,
      missing.map((name) => ({
        path: `serviceAccounts/${serviceAccounts.indexOf(name)}`,
        code: 'not_found',
        message: `serviceaccount "${name}" does not exist`,
      })),
    );
  }
  const view = await write();
  const { links, error } = await linkServiceAccounts(ports, namespace, view.name, serviceAccounts, { dryRun, read: found });
  if (error) throw new LinkAfterWriteError(error, view.name, view.result ?? 'updated', links);
  return { ...view, serviceAccountLinks: links };
}

/**
 * Linking failed after the secret was written. The answer keeps the linking error's status (the
 * request did not do all it was asked: scripts must not go on as if Pods could pull), and its body
 * says what was done: `result` and `name` of the write, `serviceAccountLinks` up to the failure.
 */
export class LinkAfterWriteError extends AppError {
  constructor(
    cause: AppError,
    readonly secretName: string,
    readonly result: WriteResult,
    readonly links: ServiceAccountLink[],
  ) {
    super(
      cause.status,
      cause.title,
      `secret "${secretName}" was ${result}, but linking it to the ServiceAccounts failed: ${cause.message}; repeat the request to finish`,
      cause.errors,
      cause.headers,
    );
    this.extensions = { result, name: secretName, serviceAccountLinks: links };
  }
}
