import { Writable } from 'node:stream';
import express, { type Express } from 'express';
import { createApp } from '../../src/app.js';
import { instrumentCluster } from '../../src/cluster/instrumented-cluster.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { defaultConfig, type Config } from '../../src/config.js';
import type { Cluster } from '../../src/domain/cluster.js';
import type { DistributionCluster } from '../../src/domain/distributions/distribution-cluster.js';
import { openGatekeeper, type Gatekeeper } from '../../src/domain/access/gatekeeper.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import type { RegistryVerifier } from '../../src/domain/verify/registry-verifier.js';
import type { ManifestProbe } from '../../src/domain/pullcheck/pullcheck-model.js';
import { unreachableRegistries } from './fake-manifest-probe.js';
import { WriteTurns } from '../../src/domain/pull-secrets/write-turns.js';
import { verifierFromConfig } from '../../src/registry/verifier-from-config.js';
import { recordContractViolations } from './contract-recorder.js';

export interface TestApp {
  app: Express;
  /** The cluster as given (not instrumented), to seed or inspect behind the app's back. */
  cluster: Cluster;
  metrics: Metrics;
  /** Every log line the app wrote, raw. */
  logLines: string[];
}

export interface TestAppOptions {
  cluster?: Cluster;
  config?: Partial<Config>;
  /** Default: a fresh registry without the process metrics (each app counts on its own). */
  metrics?: Metrics;
  isDraining?: () => boolean;
  /** Default: none mode's (the test config says auth: 'none' unless `config.auth` is given). */
  gatekeeper?: Gatekeeper;
  /** Default: the real verifier the config describes (by default it refuses loopback targets). */
  verifier?: RegistryVerifier;
  /** The pull check's registry probe. Default: one that answers every probe "unreachable" (no registry is called). */
  probe?: ManifestProbe;
  /** PullSecretDistributions, for /v1/distributions (absent by default: those routes answer 503). */
  distributions?: DistributionCluster;
  /** The distribution controller's state, for GET /v1/status (absent: `off`). */
  controller?: { identity: string; isLeader(): boolean };
  /** Default: WRITE_DEADLINE_MS (10 s); tests that wait out the deadline set a short one. */
  writeDeadlineMs?: number;
  /** Default true; false only where the caller checks every answer against openapi.yaml itself (the fuzzer). */
  recordContract?: boolean;
}

/** The app as main.ts builds it, over the in-memory cluster (namespaces `default` and `team-a` unless given), capturing its log; every answer is checked against openapi.yaml. */
export function buildTestApp(options: TestAppOptions = {}): TestApp {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const cluster = options.cluster ?? new MemoryCluster({ namespaces: ['default', 'team-a'] });
  const metrics = options.metrics ?? createMetrics({ processMetrics: false });
  // Explicitly unauthenticated unless a test asks for a mode: most suites test what comes after the gate.
  const config = defaultConfig({ auth: options.gatekeeper?.mode ?? 'none', ...options.config });
  const instrumented = instrumentCluster(cluster, metrics);
  const app = express();
  if (options.recordContract !== false) app.use(recordContractViolations);
  app.use(
    createApp({
      config,
      verifier: options.verifier ?? verifierFromConfig(config.verify),
      probe: options.probe ?? unreachableRegistries(),
      cluster: instrumented,
      logger: createLogger('debug', sink),
      metrics,
      isDraining: options.isDraining,
      gatekeeper: options.gatekeeper ?? openGatekeeper(),
      distributions: options.distributions,
      ...(options.controller ? { controller: options.controller } : {}),
      writeTurns: new WriteTurns({ deadlineMs: options.writeDeadlineMs }),
    }),
  );
  return { app, cluster, metrics, logLines };
}
