// regcred as main.ts builds it, on a free port: `regcred-server.ts memory` or `regcred-server.ts kubernetes <kubeconfig>`.
// REGCRED_FANOUT_CONCURRENCY is read as main.ts reads it (same schema, same default).
import { createHash } from 'node:crypto';
import { createApp } from '../../src/app.js';
import { createCluster } from '../../src/cluster/create-cluster.js';
import { instrumentCluster } from '../../src/cluster/instrumented-cluster.js';
import { defaultConfig, loadConfig } from '../../src/config.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { BENCH_TOKEN } from '../lib/fixtures.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { verifierFromConfig } from '../../src/registry/verifier-from-config.js';
import { listenAndReport } from './listen.js';

const [mode, kubeconfig] = process.argv.slice(2);
// As deployed with token auth (the default mode): every request is authenticated and passes both
// rate limiters, whose limits are set high enough never to refuse the bench's load.
const config = defaultConfig({
  cluster: mode === 'kubernetes' ? 'kubernetes' : 'memory',
  kubeconfig,
  rateLimitPerMinute: 1e9,
  ipRateLimitPerMinute: 1e9,
  fanOutConcurrency: loadConfig({ REGCRED_FANOUT_CONCURRENCY: process.env.REGCRED_FANOUT_CONCURRENCY }).fanOutConcurrency,
});
const gatekeeper = tokenGatekeeper([{ caller: 'bench', digest: createHash('sha256').update(BENCH_TOKEN).digest(), namespaces: ['*'] }]);
// The production default level, written to stdout like main.ts does; the bench points stdout at /dev/null.
const logger = createLogger(config.logLevel);
const { cluster } = await createCluster(config);
const metrics = createMetrics();
listenAndReport(
  createApp({
    config,
    cluster: instrumentCluster(cluster, metrics),
    logger,
    metrics,
    gatekeeper,
    verifier: verifierFromConfig(config.verify),
    probe: { probe: async () => ({ outcome: 'unreachable', detail: 'no registry is called here' }) },
  }),
);
