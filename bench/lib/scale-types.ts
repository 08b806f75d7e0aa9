import type { StepPauses } from './pause-watch.js';
import type { ProfileSummary } from './profile-summary.js';
import type { DistributionRun, LatencySummary } from './report-distributions.js';

/** Issue 20's targets for a controller over many namespaces. */
export const SCALE_TARGETS = {
  /** Cold start and rotation, against the kit's own time for the same number of bare Secret creations. */
  floorRatioMax: 1.25,
  newNamespaceP99MsMax: 100,
  /** The largest size's new-namespace p99 against the smallest size's. */
  newNamespaceGrowthMax: 1.5,
  resyncWritesMax: 0,
  peakRssMBMax: 200,
  peakAboveIdleMBMax: 40,
  manyRolloutMsMax: 5000,
  manyOtherWritesMax: 0,
};

export interface ScaleSettings {
  /** Matching namespace counts, smallest first; the set grows from one to the next (namespaces are never deleted). */
  sizes: number[];
  /** New namespaces per size (one number, or one per size). */
  events: number[];
  spacingMs: number;
  /** Namespaces created this many at a time. */
  setupConcurrency: number;
  /** Writes in flight when the floor is measured: the controller's own (16 by default). */
  writeConcurrency: number;
  /** Measure the floor a second time once the first regcred stopped (the smaller counts): less at the mercy of other load. */
  floorAfter: boolean;
  /** After regcred leads and before idle RSS is read; then idle CPU is read over as long again. */
  idleSettleSeconds: number;
  /** REGCRED_CONTROLLER_RESYNC_SECONDS of the regcred restarted for the resync step, by size. */
  resyncSeconds: (namespaces: number) => number;
  /** Profile (over the inspector) each measured step of regcred, into this directory. */
  profileDir?: string;
  /** Where to write a heap snapshot of each size's regcred after the new-namespace step, if anywhere. */
  heapSnapshotDir?: string;
  hardStopSeconds: number;
}

export interface ManySettings {
  distributions: number;
  namespacesEach: number;
  setupConcurrency: number;
  hardStopSeconds: number;
}

/** Why a regcred process ended before the bench stopped it. */
export interface ScaleFailure {
  step: string;
  message: string;
  exitCode?: number | null;
  signal?: string | null;
  stderrTail?: string[];
}

export interface ScaleSizeRun {
  /** The size asked for (BENCH_SCALE_SIZES). */
  size: number;
  /** Matching namespaces at the cold start (the size, or more when earlier sizes' new namespaces exceed it). */
  namespaces: number;
  topUp: { created: number; ms: number; concurrency: number };
  /** The kit creating one bare dockerconfigjson Secret in each namespace, `concurrency` at a time. */
  floor: {
    secrets: number;
    /** The smaller of the two measurements: what the ratios divide by. */
    ms: number;
    /** Before regcred started, and (floorAfter) once it had stopped. */
    beforeMs: number;
    afterMs?: number;
    concurrency: number;
    secretBytes: number;
    copyBytes?: number;
  };
  regcred: {
    leaderAfterStartMs?: number;
    idleRssMB?: number;
    /** CPU seconds a second while idle (no distribution), over `idleSettleSeconds`. */
    idleCpuPerSecond?: number;
    /** VmHWM of the regcred that did the cold start, rotation and new namespaces, read before its stop. */
    peakRssMB?: number;
    peakAboveIdleMB?: number;
    cpuSeconds?: number;
    met: boolean;
  };
  coldStart?: { statusCurrentMs: number | null; lastCopySeenMs: number | null; floorRatio: number | null; met: boolean };
  rotation?: DistributionRun['rotation'] & { floorRatio: number | null };
  newNamespace?: LatencySummary & { spacingMs: number; met: boolean; pauses?: StepPauses };
  resync?: {
    resyncSeconds: number;
    /** A second regcred over the same distribution (a restart): from its start until its first reconcile ended. */
    firstReconcileAfterStartMs: number | null;
    /** Writes of that first reconcile (every copy was current). */
    restartWrites: number;
    windowSeconds: number;
    reconciles: number;
    writes: number;
    copiesRewritten: number;
    statusWritten: boolean;
    /** regcred's CPU over the window / reconciles. */
    cpuSecondsPerResync: number | null;
    /** (CPU over the window − the idle rate of the first regcred × the window) / reconciles: noisy when the idle rate is. */
    cpuSecondsPerResyncLessIdle: number | null;
    peakRssMB: number;
    met: boolean;
  };
  /** DELETE ?orphan=false until the distribution was gone (every copy deleted): informative. */
  deleteDistributionMs?: number | null;
  profiles?: Record<string, ProfileSummary & { file: string }>;
  failure?: ScaleFailure;
  durationS: number;
}

export interface ManyRun {
  distributions: number;
  namespacesEach: number;
  createNamespacesMs: number;
  /** From the first PUT until every distribution had counts.current == namespacesEach. */
  allCurrentMs: number | null;
  /** One distribution's rotation: PUT answered → its rolledOutAt, counts.current == targeted. */
  rotationMs: number | null;
  rotatedWrites: number;
  /** regcred_distribution_writes_total of the other distributions from before the PUT until 2 s after the roll-out. */
  otherWrites: number;
  peakRssMB: number;
  failure?: ScaleFailure;
  met: boolean;
  durationS: number;
}

export interface ScaleResults {
  targets: typeof SCALE_TARGETS;
  harness: string;
  server?: string;
  settings: Omit<ScaleSettings, 'resyncSeconds'> & { resyncSecondsBySize: Record<number, number> };
  sizes: ScaleSizeRun[];
  /** The largest size's new-namespace p99 over the smallest's. */
  newNamespaceGrowth?: { smallest: number; largest: number; ratio: number; met: boolean };
  /** Why the run ended early (hard stop, regcred died), when it did. */
  stoppedEarly?: string;
  durationS: number;
}
