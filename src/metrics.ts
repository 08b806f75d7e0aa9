import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Renders take well under a millisecond and API calls a few; the defaults start at 5 ms.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The service's Prometheus metrics, in a registry of their own (never prom-client's global one),
 * so every app built in a test counts on its own. Labels take only values from small fixed sets:
 * never a namespace, a secret name or anything from a request body.
 */
export interface Metrics {
  readonly registry: Registry;
  /** One observation per HTTP request; `route` is the route template, or `unmatched`. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** One observation per call through the cluster port; `outcome` is `success` or the error kind. */
  readonly kubernetesRequestDuration: Histogram<'verb' | 'resource' | 'outcome'>;
  readonly kubernetesRequestErrors: Counter<'verb' | 'resource' | 'kind'>;
  /** Pull-secret writes that were not dry runs, by result: created, updated, unchanged or failed. */
  readonly pullSecretsWritten: Counter<'result'>;
  /** Registry checks, by status (valid, invalid, …) and how the registry authenticated (basic, bearer, none). */
  readonly registryVerifications: Counter<'status' | 'method'>;
  /** The distribution controller; `distribution` is a PullSecretDistribution's name (operators create those, a handful). */
  readonly distributions: DistributionMetrics;
  /** The registry checks' shared slots (REGCRED_VERIFY_CONCURRENCY): how full they are, and who waits. */
  readonly verificationSlots: VerificationSlotMetrics;
}

export interface VerificationSlotMetrics {
  readonly size: Gauge;
  readonly inUse: Gauge;
  readonly waiting: Gauge;
}

export interface DistributionMetrics {
  /** Namespaces of each distribution, by state (inSync, pending, drifted-restored, forbidden, failed, excluded). */
  readonly namespaces: Gauge<'distribution' | 'state'>;
  readonly reconcileDuration: Histogram<'result'>;
  /** Writes a reconcile made (copies, links, removals): 0 per pass when nothing changed. */
  readonly writes: Counter<'distribution'>;
  readonly driftRestorations: Counter<'distribution' | 'how'>;
  readonly credentialExpiry: Gauge<'distribution'>;
  /** A minted cloud token's lifetime (expiry minus issue): present only for cloud sources, which tells them from static ones. */
  readonly credentialLifetime: Gauge<'distribution'>;
  /** Mints of cloud registry tokens (each with its write to the source Secret), by result (success, failure). */
  readonly credentialRefreshes: Counter<'distribution' | 'provider' | 'result'>;
  /** 1 while this replica leads (runs the controller), else 0. */
  readonly leader: Gauge;
  /** Informer relists and watch restarts, by collection and reason. */
  readonly watchRestarts: Counter<'collection' | 'reason'>;
}

export interface MetricsOptions {
  /** prom-client's default process and Node.js runtime metrics (CPU, memory, event loop, GC, handles). */
  processMetrics?: boolean;
}

export function createMetrics({ processMetrics = true }: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    kubernetesRequestDuration: new Histogram({
      name: 'regcred_kubernetes_request_duration_seconds',
      help: 'Time of each call to the cluster (Kubernetes API server or the embedded cluster), by verb, resource and outcome.',
      labelNames: ['verb', 'resource', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    kubernetesRequestErrors: new Counter({
      name: 'regcred_kubernetes_request_errors_total',
      help: 'Calls to the cluster that failed, by verb, resource and kind of error.',
      labelNames: ['verb', 'resource', 'kind'],
      registers: [registry],
    }),
    pullSecretsWritten: new Counter({
      name: 'regcred_pull_secrets_written_total',
      help: 'Pull-secret writes (PUT and POST, dry runs excluded), by result: created, updated, unchanged or failed.',
      labelNames: ['result'],
      registers: [registry],
    }),
    registryVerifications: new Counter({
      name: 'regcred_registry_verifications_total',
      help: 'Credentials checked with a registry, by status and authentication method (no server or user names).',
      labelNames: ['status', 'method'],
      registers: [registry],
    }),
    distributions: distributionMetrics(registry),
    verificationSlots: {
      size: new Gauge({
        name: 'regcred_verification_slots',
        help: 'Registry checks that may be in flight at once (REGCRED_VERIFY_CONCURRENCY).',
        registers: [registry],
      }),
      inUse: new Gauge({
        name: 'regcred_verification_slots_in_use',
        help: 'Registry checks in flight now.',
        registers: [registry],
      }),
      waiting: new Gauge({
        name: 'regcred_verification_waiting',
        help: 'Registry checks waiting for a free slot now.',
        registers: [registry],
      }),
    },
  };
}

/** What the verifier's slots report as they change, written to these gauges. */
export function observeVerificationSlots(metrics: Metrics): (state: { size: number; inUse: number; waiting: number }) => void {
  const gauges = metrics.verificationSlots;
  return ({ size, inUse, waiting }) => {
    gauges.size.set(size);
    gauges.inUse.set(inUse);
    gauges.waiting.set(waiting);
  };
}

function distributionMetrics(registry: Registry): DistributionMetrics {
  const registers = [registry];
  return {
    namespaces: new Gauge({
      name: 'regcred_distribution_namespaces',
      help: 'Namespaces of each PullSecretDistribution, by state.',
      labelNames: ['distribution', 'state'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'regcred_distribution_reconcile_duration_seconds',
      help: 'Time of one reconcile of one distribution, by result (ok, retry, error).',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    writes: new Counter({
      name: 'regcred_distribution_writes_total',
      help: 'Writes made by reconciles (copies created, replaced or removed; ServiceAccounts linked or unlinked).',
      labelNames: ['distribution'],
      registers,
    }),
    driftRestorations: new Counter({
      name: 'regcred_distribution_drift_restorations_total',
      help: 'Copies restored after someone edited or deleted them, by how.',
      labelNames: ['distribution', 'how'],
      registers,
    }),
    credentialExpiry: new Gauge({
      name: 'regcred_credential_expiry_timestamp_seconds',
      help: "When a distribution's credential expires, as a Unix time: a cloud source's minted token (status.credential.expiresAt), else spec.expiresAt.",
      labelNames: ['distribution'],
      registers,
    }),
    credentialLifetime: new Gauge({
      name: 'regcred_credential_lifetime_seconds',
      help: "How long a distribution's minted cloud token lives (status.credential: expiresAt minus lastRefreshTime); absent for static credentials.",
      labelNames: ['distribution'],
      registers,
    }),
    credentialRefreshes: new Counter({
      name: 'regcred_credential_refresh_total',
      help: 'Mints of a cloud registry token written to a distribution source, by distribution, provider and result (success, failure).',
      labelNames: ['distribution', 'provider', 'result'],
      registers,
    }),
    leader: new Gauge({
      name: 'regcred_controller_leader',
      help: '1 while this replica leads and runs the distribution controller.',
      registers,
    }),
    watchRestarts: new Counter({
      name: 'regcred_watch_restarts_total',
      help: 'Watches re-established, by collection and reason (timeout, expired, failed, ...).',
      labelNames: ['collection', 'reason'],
      registers,
    }),
  };
}
