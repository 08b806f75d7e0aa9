import type { Server } from 'node:http';
import { createApp } from './app.js';
import { createCluster } from './cluster/create-cluster.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

// Bounded drain: in-flight requests get this long to finish after SIGTERM.
const SHUTDOWN_GRACE_MS = 10_000;

function start(): void {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`regcred: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let selected;
  try {
    selected = createCluster(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`regcred: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (selected.kind === 'memory') {
    logger.warn(
      { cluster: selected.description, namespaces: config.memoryNamespaces },
      'EMBEDDED IN-MEMORY CLUSTER: nothing is persisted and no real cluster is touched; set KUBECONFIG or REGCRED_CLUSTER=kubernetes to use a real one',
    );
  }
  const app = createApp({ config, cluster: selected.cluster, logger });
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ cluster: selected.description, clusterKind: selected.kind, reason: selected.reason, host: config.host, port }, `regcred listening on http://${config.host}:${port} (docs at /docs)`);
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'cannot listen');
    process.exit(1);
  });
  const stop = (signal: string) => shutdown(server, signal, logger);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function shutdown(server: Server, signal: string, logger: ReturnType<typeof createLogger>): void {
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  const force = setTimeout(() => {
    logger.warn('in-flight requests did not finish in time; exiting');
    process.exit(0);
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}

start();
