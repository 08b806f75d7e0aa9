import type { DesiredCopy } from '../domain/distributions/desired-copy.js';
import type { DistributionObject, DistributionStatus } from '../domain/distributions/distribution.js';
import { DistributionLedger } from '../domain/distributions/distribution-ledger.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';
import { isChangeOfIntent } from './event-keys.js';

/** Sources up to this size are kept with the basis; a larger one is read again by each pass that writes. */
const MAX_KEPT_SOURCE_BYTES = 64 * 1024;

/**
 * What the last pass over every namespace established: the object it checked (spec, claim,
 * finalizer), the source version it read, and what the status adds beside the namespaces. A later
 * pass over a few namespaces trusts it while the object's intent and the source are unchanged.
 */
export interface PassBasis {
  distribution: DistributionObject;
  sourceVersion: string | undefined;
  contentHash: string;
  /** The content itself when small enough to keep (most config.json files are a few hundred bytes). */
  desired: DesiredCopy | undefined;
  /** Status fields the namespaces do not decide (cloud credential, verification). */
  extras: Partial<DistributionStatus>;
  /** Whether the spec targets a namespace, by name: parsed once per basis, not per event (a spec may name thousands). */
  targets: (namespace: string) => boolean;
}

export interface LedgerRecord {
  ledger: DistributionLedger;
  basis?: PassBasis;
  /** performance.now() of the last status write: passes over a few namespaces write it at most once per batch. */
  statusWrittenAt: number;
}

/** Each distribution's ledger and basis, while this replica leads; forgotten with the distribution. */
export class LedgerBook {
  private readonly records = new Map<string, LedgerRecord>();

  /** The record for this object, started afresh from its stored status when the object is new (another UID). */
  of(distribution: DistributionObject): LedgerRecord {
    const known = this.records.get(distribution.name);
    if (known && known.basis?.distribution.uid === distribution.uid) return known;
    if (known && !known.basis) return known;
    const fresh: LedgerRecord = { ledger: new DistributionLedger(distribution.status), statusWrittenAt: -Infinity };
    this.records.set(distribution.name, fresh);
    return fresh;
  }

  /** The record, if its basis still holds for this object and this source: else a pass over every namespace is due. */
  trusted(distribution: DistributionObject, source: SecretObject | undefined): (LedgerRecord & { basis: PassBasis }) | undefined {
    const known = this.records.get(distribution.name);
    const basis = known?.basis;
    if (!known || !basis || basis.distribution.uid !== distribution.uid) return undefined;
    if (isChangeOfIntent(basis.distribution, distribution)) return undefined;
    if (source?.resourceVersion !== basis.sourceVersion) return undefined;
    return known as LedgerRecord & { basis: PassBasis };
  }

  settle(record: LedgerRecord, basis: Omit<PassBasis, 'desired'> & { desired: DesiredCopy }): void {
    const size = Object.values(basis.desired.data).reduce((sum, value) => sum + value.length, 0);
    record.basis = { ...basis, desired: size <= MAX_KEPT_SOURCE_BYTES ? basis.desired : undefined };
  }

  /** A pass found the basis no longer holds (its source moved on): the next pass looks at everything. */
  unsettle(name: string): void {
    const known = this.records.get(name);
    if (known) delete known.basis;
  }

  forget(name: string): void {
    this.records.delete(name);
  }

  get size(): number {
    return this.records.size;
  }
}
