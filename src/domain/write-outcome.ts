import type { ValidationError } from '../errors.js';
import type { DistributionView } from './distributions/distribution-schemas.js';
import type { ServiceAccountLink } from './pull-secrets/service-account-links.js';
import type { FanOutResult, PullSecretView } from './view-schemas.js';

/**
 * What a write use-case did, as data: the handler answers from it, and the audit lines and write
 * metrics are recorded from it in one place (http/write-audit.ts). A failure is carried, not thrown,
 * so that it is recorded like any other outcome; the handler throws it after.
 */
export type WriteOutcome = SecretWritten | SecretDeleted | WriteFailed | FannedOut | FanOutRefused | DistributionWritten;

/** Where one write was aimed, as its audit line names it: never a secret value. */
export interface WriteTarget {
  operation: 'apply' | 'create' | 'merge' | 'delete' | 'applyDistribution' | 'deleteDistribution';
  /** Absent for a PullSecretDistribution, which is cluster-wide. */
  namespace?: string;
  /** As asked; with appendHash the Secret's name differs (the view says it). */
  name: string;
  /** The registry servers written; none for a delete. */
  servers?: string[];
  dryRun: boolean;
}

export interface SecretWritten {
  kind: 'written';
  target: WriteTarget;
  view: PullSecretView;
}

export interface SecretDeleted {
  kind: 'deleted';
  target: WriteTarget;
  /** The ServiceAccounts unlinked first (with `unlink`). */
  links: ServiceAccountLink[];
}

/** The write or delete failed; a LinkAfterWriteError says the secret was written but not all linking was done. */
export interface WriteFailed {
  kind: 'failed';
  target: WriteTarget;
  error: unknown;
}

/** A pull secret applied to many namespaces, each on its own. */
export interface FannedOut {
  kind: 'fanned-out';
  servers: string[];
  /** Every namespace written (created, updated or unchanged) and linked. */
  allSucceeded: boolean;
  answer: FanOutResult;
}

/** A selector matched so many namespaces the caller may not write that not all were reviewed: nothing was written. */
export interface FanOutRefused {
  kind: 'refused';
  name: string;
  reason: 'too-many-refusals';
  error: ValidationError;
}

/** A PullSecretDistribution applied, or its deletion asked for (the view says `deleting`). */
export interface DistributionWritten {
  kind: 'distribution-written';
  target: WriteTarget;
  view: DistributionView;
}

/** Runs a pull secret's write and settles it into its outcome: the view, or the failure, carried. */
export async function settleSecretWrite(target: WriteTarget, write: () => Promise<PullSecretView>): Promise<SecretWritten | WriteFailed> {
  try {
    return { kind: 'written', target, view: await write() };
  } catch (error) {
    return { kind: 'failed', target, error };
  }
}

/** Runs a distribution's write and settles it into its outcome: the view, or the failure, carried. */
export async function settleDistributionWrite(
  target: WriteTarget,
  write: () => Promise<DistributionView>,
): Promise<DistributionWritten | WriteFailed> {
  try {
    return { kind: 'distribution-written', target, view: await write() };
  } catch (error) {
    return { kind: 'failed', target, error };
  }
}
