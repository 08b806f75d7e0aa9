// regcred as main.ts builds it, on a free port: `regcred-server.ts memory` or `regcred-server.ts kubernetes <kubeconfig>`.
import { createApp } from '../../src/app.js';
import { createCluster } from '../../src/cluster/create-cluster.js';
import { instrumentCluster } from '../../src/cluster/instrumented-cluster.js';
import { defaultConfig } from '../../src/config.js';
import { openGatekeeper } from '../../src/domain/gatekeeper.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { listenAndReport } from './listen.js';

const [mode, kubeconfig] = process.argv.slice(2);
// The bench measures the service, not its guards: no auth and no effective rate limits.
const config = defaultConfig({
  cluster: mode === 'kubernetes' ? 'kubernetes' : 'memory',
  kubeconfig,
  auth: 'none',
  rateLimitPerMinute: 1e9,
  ipRateLimitPerMinute: 1e9,
});
// The production default level, written to stdout like main.ts does; the bench points stdout at /dev/null.
const logger = createLogger(config.logLevel);
const { cluster } = createCluster(config);
const metrics = createMetrics();
listenAndReport(createApp({ config, cluster: instrumentCluster(cluster, metrics), logger, metrics, gatekeeper: openGatekeeper() }));
