import type { Cluster } from '../domain/cluster.js';
import type { CloudAllowList } from '../domain/credentials/cloud-allow-list.js';
import type { Condition } from '../domain/credentials/credential-status.js';
import type { DesiredCopy } from '../domain/distributions/desired-copy.js';
import type { DistributionObject, DistributionStatus } from '../domain/distributions/distribution.js';
import type { DistributionCluster } from '../domain/distributions/distribution-cluster.js';
import type { ProofKey } from '../domain/distributions/ownership-proof.js';
import type { Pause } from '../domain/distributions/plan-distribution.js';
import type { CredentialRefresher } from './credential-refresher.js';
import type { DistributionCaches } from './distribution-caches.js';
import type { LedgerBook } from './ledger-book.js';
import type { NamespaceMemory } from './namespace-memory.js';
import type { StatusLane } from './status-lane.js';

export interface ReconcileDependencies {
  cluster: Cluster;
  distributions: DistributionCluster;
  caches: DistributionCaches;
  /** regcred's own namespace, where source Secrets live: this installation's name in claims. */
  ownNamespace: string;
  /** The deny list, regcred's own namespace included: nothing there is ever written or changed. */
  denyNamespaces: readonly string[];
  /** Writes in flight at once within one reconcile. */
  concurrency: number;
  observer: ReconcileObserver;
  /** This installation's key for the proofs that a copy is its own. */
  proofKey: ProofKey;
  /** Failures reported and creates known to conflict, across reconciles. */
  memory: NamespaceMemory;
  /** Aborts when this replica stops leading: no write starts after that (another replica may be writing). */
  signal?: AbortSignal;
  /** With spec.verify=required: checks new source content with the registries (undefined: accepted, else why not). */
  verifySource?: (desired: DesiredCopy) => Promise<string | undefined>;
  /** Mints and renews the tokens of cloud-sourced distributions; without it they are refused. */
  credentials?: CredentialRefresher;
  /** What cloud sources may name (REGCRED_CLOUD_ALLOW); empty: none. */
  cloudAllow?: CloudAllowList;
  /** Each distribution's outcome per namespace and what its last full pass checked; a fresh book when absent (tests). */
  ledgers?: LedgerBook;
  /** Namespaces that events named since this pass started: a full pass takes them between its slices. */
  eventsMeanwhile?(): string[];
  /** Asks for a status write of the distribution in `ms` (passes over a few namespaces batch theirs). */
  statusDue?(name: string, ms: number): void;
  /** Status writes in order per distribution; with it, a pass over a few namespaces does not wait for its batched write. */
  statusLane?: StatusLane;
  /** Yields the event loop during a long plan. */
  pause?: Pause;
  now?: () => Date;
}

/** What a reconcile tells the outside (metrics, Events, logs); never secret material. */
export interface ReconcileObserver {
  restored(distribution: DistributionObject, namespace: string, how: 'edited' | 'deleted'): void;
  failed(distribution: DistributionObject, namespace: string, reason: string): void;
  /** The object breaks the rules (its spec or name): nothing is done for it. Said once per problem. */
  refused(distribution: DistributionObject, problem: string): void;
  rolledOut(distribution: DistributionObject, status: DistributionStatus): void;
  /** A cloud-sourced distribution's Ready condition moved (status or reason). */
  conditionChanged(distribution: DistributionObject, condition: Condition): void;
  unexpected(error: unknown): void;
}

export interface ReconcileResult {
  /** Reconcile again after the queue's backoff: a write lost a race, failed, or the cluster did not answer. */
  retry: boolean;
  /** Copies created, replaced or removed, links changed and marks recorded: 0 when nothing needed doing. */
  writes: number;
  /** Namespaces this pass looked at: all the distribution targets, or those events named. */
  planned?: number;
  /** The status this pass computed, when it got that far. */
  status?: DistributionStatus;
}
