import type { PullSecretView } from '../view-schemas.js';
import { deletePullSecret } from './delete-pull-secret.js';
import { patchPullSecret, type PullSecretPatch } from './patch-pull-secret.js';
import { applyPullSecret, createPullSecret, type PullSecretWrite } from './pull-secrets.js';
import { writeThenLink } from './write-and-link.js';
import type { WritePorts } from './write-turns.js';
import type { SecretDeleted, SecretWritten, WriteFailed, WriteTarget } from '../write-outcome.js';

// The single-namespace write use-cases, one per endpoint: each takes its command and settles into an
// outcome (see write-outcome.ts); fan-out's is fan-out-pull-secret.ts.

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
export function applyAndLink(ports: WritePorts, { serviceAccounts, ...write }: LinkedWrite): Promise<SecretWritten | WriteFailed> {
  return settled(targetOf('apply', write), () => writeThenLink(ports, applyPullSecret, write, serviceAccounts));
}

/** POST: create the pull secret (a conflict when one of that name exists), then link it. */
export function createAndLink(ports: WritePorts, { serviceAccounts, ...write }: LinkedWrite): Promise<SecretWritten | WriteFailed> {
  return settled(targetOf('create', write), () => writeThenLink(ports, createPullSecret, write, serviceAccounts));
}

/** PATCH: add, replace or remove some registries of an existing pull secret. */
export function mergeRegistries(ports: WritePorts, patch: PullSecretPatch): Promise<SecretWritten | WriteFailed> {
  const { namespace, name, dryRun = false } = patch;
  const target: WriteTarget = { operation: 'merge', namespace, name, servers: patch.upsert.map((r) => r.server), dryRun };
  return settled(target, () => patchPullSecret(ports, patch));
}

/** DELETE: the pull secret, and with `unlink` its references from the namespace's ServiceAccounts first. */
export async function deleteAndUnlink(
  ports: WritePorts,
  { namespace, name, dryRun, unlink }: DeleteCommand,
): Promise<SecretDeleted | WriteFailed> {
  const target: WriteTarget = { operation: 'delete', namespace, name, dryRun };
  try {
    return { kind: 'deleted', target, links: await deletePullSecret(ports, namespace, name, { dryRun, unlink }) };
  } catch (error) {
    return { kind: 'failed', target, error };
  }
}

function targetOf(operation: 'apply' | 'create', write: PullSecretWrite): WriteTarget {
  const { namespace, name, dryRun = false } = write;
  return { operation, namespace, name, servers: write.registries.map((r) => r.server), dryRun };
}

async function settled(target: WriteTarget, write: () => Promise<PullSecretView>): Promise<SecretWritten | WriteFailed> {
  try {
    return { kind: 'written', target, view: await write() };
  } catch (error) {
    return { kind: 'failed', target, error };
  }
}
