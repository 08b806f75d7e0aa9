import { settleSecretWrite, type SecretDeleted, type SecretWritten, type WriteFailed, type WriteTarget } from '../write-outcome.js';
import { mergeRegistries, type PullSecretPatch } from './merge-registries.js';
import { createDraft, describeWrite, draftPullSecret, type PullSecretWrite } from './pull-secrets.js';
import { writeDraft } from './write-draft.js';
import { unlinkAndDelete } from './unlink-and-delete.js';
import { writeAndLink } from './write-and-link.js';
import type { WritePorts } from './write-turns.js';

// The single-namespace write use-cases, one per endpoint, named for its operation: each takes its
// command and settles into an outcome (see write-outcome.ts); fan-out's is fan-out-pull-secret.ts.

/** A write, then the secret linked to these ServiceAccounts (all must exist before anything is written). */
export interface LinkedWrite extends PullSecretWrite {
  serviceAccounts?: readonly string[];
}

export interface DeleteCommand {
  namespace: string;
  name: string;
  dryRun: boolean;
  /** Remove the secret from every ServiceAccount of the namespace first. */
  unlink: boolean;
}

/** PUT: create or update the pull secret, then link it. */
export function applyPullSecret(ports: WritePorts, { serviceAccounts, ...write }: LinkedWrite): Promise<SecretWritten | WriteFailed> {
  return settleSecretWrite(targetOf('apply', write), () =>
    writeAndLink(ports, write, serviceAccounts, async () =>
      describeWrite(await writeDraft(ports, draftPullSecret(write), write.dryRun), write),
    ),
  );
}

/** POST: create the pull secret (a conflict when one of that name exists), then link it. */
export function createPullSecret(ports: WritePorts, { serviceAccounts, ...write }: LinkedWrite): Promise<SecretWritten | WriteFailed> {
  return settleSecretWrite(targetOf('create', write), () =>
    writeAndLink(ports, write, serviceAccounts, async () =>
      describeWrite(await createDraft(ports.cluster, draftPullSecret(write), write.dryRun), write),
    ),
  );
}

/** PATCH: add, replace or remove some registries of an existing pull secret. */
export function mergePullSecret(ports: WritePorts, patch: PullSecretPatch): Promise<SecretWritten | WriteFailed> {
  const { namespace, name, dryRun = false } = patch;
  const target: WriteTarget = { operation: 'merge', namespace, name, servers: patch.upsert.map((r) => r.server), dryRun };
  return settleSecretWrite(target, () => mergeRegistries(ports, patch));
}

/** DELETE: the pull secret, and with `unlink` its references from the namespace's ServiceAccounts first. */
export async function deletePullSecret(
  ports: WritePorts,
  { namespace, name, dryRun, unlink }: DeleteCommand,
): Promise<SecretDeleted | WriteFailed> {
  const target: WriteTarget = { operation: 'delete', namespace, name, dryRun };
  try {
    return { kind: 'deleted', target, links: await unlinkAndDelete(ports, namespace, name, { dryRun, unlink }) };
  } catch (error) {
    return { kind: 'failed', target, error };
  }
}

function targetOf(operation: 'apply' | 'create', write: PullSecretWrite): WriteTarget {
  const { namespace, name, dryRun = false } = write;
  return { operation, namespace, name, servers: write.registries.map((r) => r.server), dryRun };
}
