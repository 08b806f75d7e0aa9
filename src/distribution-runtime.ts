import type { Logger } from 'pino';
import { CLOUD_PROVIDERS, type CloudMinter } from './domain/credentials/cloud-source.js';
import { isWarning } from './domain/credentials/credential-status.js';
import type { Config } from './config.js';
import { DistributionController, type ControllerObserver } from './controller/distribution-controller.js';
import { LeaderElector } from './controller/leader-election.js';
import type { Cluster } from './domain/cluster.js';
import { deniedNamespaces } from './domain/access/denied-namespaces.js';
import { NAMESPACE_STATES, type DistributionObject } from './domain/distributions/distribution.js';
import type { DistributionCluster } from './domain/distributions/distribution-cluster.js';
import type { Metrics } from './metrics.js';
import type { DesiredCopy } from './domain/distributions/desired-copy.js';
import { sourceVerificationProblem } from './domain/distributions/verify-source.js';
import type { RegistryVerifier } from './domain/verify/registry-verifier.js';

export interface DistributionRuntime {
  /** Stops the controller (if leading) and releases the Lease. */
  stop(): Promise<void>;
  readonly identity: string;
  isLeader(): boolean;
}

export const LEASE_NAME = 'regcred-controller';
// As for a request's checks: within the 25 s a request's verification may take.
const VERIFY_DEADLINE_MS = 25_000;

/**
 * Runs the distribution controller on the one replica that holds the Lease; the others serve the
 * API and wait to take over. Leadership lost means the controller stops at once: two writers of the
 * same copies would fight.
 */
export function startDistributionRuntime({
  config,
  cluster,
  distributions,
  metrics,
  logger,
  verifier,
  identity,
  minter,
}: {
  config: Readonly<Config>;
  cluster: Cluster;
  distributions: DistributionCluster;
  metrics: Metrics;
  logger: Logger;
  /** For distributions with spec.verify=required; without it their new content is never rolled out. */
  verifier?: RegistryVerifier;
  /** This replica's name in the Lease; default: the hostname and a random suffix. */
  identity?: string;
  /** Mints cloud registry tokens (with REGCRED_CLOUD_ALLOW); without it cloud sources are refused. */
  minter?: CloudMinter;
}): DistributionRuntime {
  const log = logger.child({ component: 'controller' });
  const warnings = new RepeatedWarnings();
  const observer = controllerObserver(distributions, metrics, log, warnings);
  const elector = new LeaderElector({
    leases: distributions.leases,
    ...(identity ? { identity } : {}),
    namespace: config.namespace,
    name: LEASE_NAME,
    leaseDurationSeconds: config.controller.leaseDurationSeconds,
    renewDeadlineMs: Math.round(config.controller.leaseDurationSeconds * 1000 * (2 / 3)),
    retryPeriodMs: Math.max(500, Math.round((config.controller.leaseDurationSeconds * 1000) / 7.5)),
    callbacks: {
      onStartedLeading: async (signal) => {
        metrics.distributions.leader.set(1);
        log.info({ identity: elector.identity }, 'leading: starting the distribution controller');
        const controller = new DistributionController({
          cluster,
          distributions,
          ownNamespace: config.namespace,
          denyNamespaces: deniedNamespaces(config),
          concurrency: config.fanOutConcurrency,
          watchTimeoutSeconds: config.controller.watchTimeoutSeconds,
          resyncSeconds: config.controller.resyncSeconds,
          observer,
          cloudAllow: config.cloud.allow,
          ...(minter ? { minter } : {}),
          ...(verifier
            ? {
                verifySource: (desired: DesiredCopy) =>
                  sourceVerificationProblem(verifier, desired, AbortSignal.timeout(VERIFY_DEADLINE_MS)),
              }
            : {}),
        });
        const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        // Stopped before its caches filled: start() then rejects, which is expected; anything else is said.
        const starting = controller.start().catch((error: unknown) => {
          if (!signal.aborted)
            log.error(
              { error: errorClassName(error), message: safeMessage(error) },
              'the distribution controller could not start; it stays stopped while this replica leads',
            );
        });
        await Promise.race([starting, stopped]);
        await stopped;
        await controller.stop();
        metrics.distributions.leader.set(0);
        // A follower reports no distribution's state: what it last saw would go stale beside the new leader's.
        forgetDistributionState(metrics);
      },
      onStoppedLeading: () => log.warn({ identity: elector.identity }, 'no longer leading: the distribution controller stopped'),
      onNewLeader: (identity) => log.info({ leader: identity }, 'distribution controller leader'),
    },
    observer: (signal) => {
      if (signal.type === 'failed' && warnings.due(`lease:${signal.stage}:${errorClassName(signal.error)}`))
        log.warn(
          { stage: signal.stage, error: errorClassName(signal.error), message: safeMessage(signal.error) },
          `leader election step failed; retrying (said at most once a minute; does namespace "${config.namespace}" exist?)`,
        );
    },
  });
  elector.start();
  return { stop: () => elector.stop(), identity: elector.identity, isLeader: () => elector.isLeader() };
}

function forgetDistributionState(metrics: Metrics): void {
  const m = metrics.distributions;
  m.namespaces.reset();
  m.credentialExpiry.reset();
  m.credentialLifetime.reset();
}

/** The same failure, retried every few seconds, is logged once a minute: the first time tells, the rest only fill the log. */
class RepeatedWarnings {
  private readonly last = new Map<string, number>();
  due(key: string, now = Date.now()): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < 60_000) return false;
    this.last.set(key, now);
    return true;
  }

  /** Forgets the keys that start with `prefix` (a distribution that went). */
  forget(prefix: string): void {
    for (const key of this.last.keys()) if (key.startsWith(prefix)) this.last.delete(key);
  }

  get size(): number {
    return this.last.size;
  }
}

function controllerObserver(
  distributions: DistributionCluster,
  metrics: Metrics,
  log: Logger,
  warnings: RepeatedWarnings,
): ControllerObserver {
  const m = metrics.distributions;
  const event = (d: DistributionObject, type: 'Normal' | 'Warning', reason: string, message: string) =>
    void distributions.recordEvent({ distribution: { name: d.name, ...(d.uid ? { uid: d.uid } : {}) }, type, reason, message });
  return {
    restored(d, namespace, how) {
      m.driftRestorations.inc({ distribution: d.name, how });
      log.info({ distribution: d.name, namespace, how }, 'restored a copy someone changed');
      event(d, 'Normal', 'DriftRestored', `restored secret "${d.spec.secretName}" in namespace "${namespace}" (it was ${how})`);
    },
    failed(d, namespace, reason) {
      log.warn({ distribution: d.name, namespace, reason }, 'could not keep a copy');
      event(d, 'Warning', 'CopyFailed', `namespace "${namespace}": ${reason}`);
    },
    refused(d, problem) {
      log.warn({ distribution: d.name, problem }, 'distribution refused: nothing is done for it');
      event(d, 'Warning', 'InvalidSpec', problem);
    },
    refreshed(distribution, provider, result) {
      m.credentialRefreshes.inc({ distribution, provider, result });
    },
    conditionChanged(d, condition) {
      const warning = isWarning(condition);
      (warning ? log.warn : log.info).call(
        log,
        { distribution: d.name, reason: condition.reason },
        `credential ${condition.type}=${condition.status}: ${condition.message}`,
      );
      event(d, warning ? 'Warning' : 'Normal', condition.reason, condition.message);
    },
    rolledOut(d, status) {
      log.info(
        { distribution: d.name, contentHash: status.contentHash, copies: status.counts?.current },
        'every copy carries the current content',
      );
      event(d, 'Normal', 'RolledOut', `all ${status.counts?.current ?? 0} copies carry ${status.contentHash}`);
    },
    unexpected(error) {
      log.error({ error: errorClassName(error) }, 'unexpected error in a reconcile');
    },
    reconciled(d, name, result, seconds) {
      const outcome = 'error' in result ? 'error' : result.retry ? 'retry' : 'ok';
      m.reconcileDuration.observe({ result: outcome }, seconds);
      if ('error' in result) {
        if (warnings.due(`reconcile:${name}:${errorClassName(result.error)}`))
          log.warn(
            { distribution: name, error: errorClassName(result.error), message: safeMessage(result.error) },
            'reconcile failed; retrying',
          );
        return;
      }
      if (result.writes > 0) m.writes.inc({ distribution: name }, result.writes);
      if (!d) {
        // prom-client removes a series only by its full label set.
        for (const state of NAMESPACE_STATES) m.namespaces.remove({ distribution: name, state });
        m.credentialExpiry.remove({ distribution: name });
        m.credentialLifetime.remove({ distribution: name });
        m.writes.remove({ distribution: name });
        for (const how of ['edited', 'deleted']) m.driftRestorations.remove({ distribution: name, how });
        for (const provider of CLOUD_PROVIDERS)
          for (const outcome of ['success', 'failure']) m.credentialRefreshes.remove({ distribution: name, provider, result: outcome });
        warnings.forget(`reconcile:${name}:`);
        return;
      }
      const counts = (result.status ?? d.status)?.counts;
      for (const state of NAMESPACE_STATES) m.namespaces.set({ distribution: name, state }, counts?.[state] ?? 0);
      const expiresAt = (result.status ?? d.status)?.credential?.expiresAt ?? d.spec.expiresAt;
      const expires = expiresAt ? Date.parse(expiresAt) : NaN;
      if (Number.isFinite(expires)) m.credentialExpiry.set({ distribution: name }, expires / 1000);
      // Only a minted token has an issue time: its lifetime marks the credential as a cloud one (the alerts tell them apart by it).
      const credential = (result.status ?? d.status)?.credential;
      const lifetime =
        credential?.expiresAt && credential.lastRefreshTime
          ? Date.parse(credential.expiresAt) - Date.parse(credential.lastRefreshTime)
          : NaN;
      if (Number.isFinite(lifetime) && lifetime > 0) m.credentialLifetime.set({ distribution: name }, lifetime / 1000);
      else m.credentialLifetime.remove({ distribution: name });
    },
    informer(signal) {
      if (signal.type === 'listed' && signal.reason !== 'start')
        m.watchRestarts.inc({ collection: signal.collection, reason: signal.reason });
      if (signal.type === 'rewatched') m.watchRestarts.inc({ collection: signal.collection, reason: signal.reason });
      if (signal.type === 'failed' && warnings.due(`informer:${signal.collection}:${signal.stage}:${errorClassName(signal.error)}`))
        log.warn(
          { collection: signal.collection, stage: signal.stage, error: errorClassName(signal.error), retryInMs: signal.retryInMs },
          'list or watch failed; retrying (is the PullSecretDistribution CRD installed and regcred allowed to watch?)',
        );
    },
  };
}

// A log line names an error by its class; its message may quote what it was given (see safeMessage).
function errorClassName(error: unknown): string {
  return (error as Error)?.constructor?.name ?? typeof error;
}

/** Our own errors' messages are written to be shown; anything else's may quote what it was given. */
function safeMessage(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'status' in error && error instanceof Error ? error.message : undefined;
}
