// regcred as main.ts builds it, on a free port: `regcred-server.ts memory` or `regcred-server.ts kubernetes <kubeconfig>`.
// REGCRED_FANOUT_CONCURRENCY, REGCRED_RATE_LIMIT_PER_MINUTE and REGCRED_IP_RATE_LIMIT_PER_MINUTE are read as main.ts
// reads them (same schema); the limits default to a billion a minute, `off` switches them off.
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
const NEVER_REACHED = String(1e9);
const { rateLimitPerMinute, ipRateLimitPerMinute, fanOutConcurrency } = loadConfig({
  REGCRED_FANOUT_CONCURRENCY: process.env.REGCRED_FANOUT_CONCURRENCY,
  REGCRED_RATE_LIMIT_PER_MINUTE: process.env.REGCRED_RATE_LIMIT_PER_MINUTE ?? NEVER_REACHED,
  REGCRED_IP_RATE_LIMIT_PER_MINUTE: process.env.REGCRED_IP_RATE_LIMIT_PER_MINUTE ?? NEVER_REACHED,
});
const config = defaultConfig({
  cluster: mode === 'kubernetes' ? 'kubernetes' : 'memory',
  kubeconfig,
  rateLimitPerMinute,
  ipRateLimitPerMinute,
  fanOutConcurrency,
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
