import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createApp } from './app.js';
import { createCluster, type SelectedCluster } from './cluster/create-cluster.js';
import { instrumentCluster } from './cluster/instrumented-cluster.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { Lifecycle, drainOnShutdown } from './shutdown.js';
import { describeCertificate, readTlsCredentials, reloadTlsOnChange, type TlsCredentials } from './tls.js';

/** A start-up failure the operator must fix: the message, on stderr, and exit code 2. */
function refuseToStart(message: string): never {
  process.stderr.write(`regcred: ${message}\n`);
  process.exit(2);
}

function start(): void {
  let config: Readonly<Config>;
  let selected: SelectedCluster;
  let tls: TlsCredentials | undefined;
  try {
    config = loadConfig();
    selected = createCluster(config);
  } catch (error) {
    if (error instanceof ConfigError) refuseToStart(error.message);
    throw error;
  }
  if (config.tls) {
    try {
      tls = readTlsCredentials(config.tls);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      refuseToStart(`cannot read REGCRED_TLS_CERT_FILE or REGCRED_TLS_KEY_FILE (${typeof code === 'string' ? code : 'unreadable'})`);
    }
  }
  const logger = createLogger(config.logLevel);
  if (selected.kind === 'memory') {
    logger.warn(
      { cluster: selected.description, namespaces: config.memoryNamespaces },
      'EMBEDDED IN-MEMORY CLUSTER: nothing is persisted and no real cluster is touched; set KUBECONFIG or REGCRED_CLUSTER=kubernetes to use a real one',
    );
  }
  const metrics = createMetrics();
  const lifecycle = new Lifecycle();
  const cluster = instrumentCluster(selected.cluster, metrics);
  const app = createApp({ config, cluster, logger, metrics, isDraining: lifecycle.isDraining });
  let server;
  try {
    server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, app) : createHttpServer(app);
  } catch {
    refuseToStart('REGCRED_TLS_CERT_FILE and REGCRED_TLS_KEY_FILE do not hold a matching PEM certificate and private key');
  }
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'cannot listen');
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const scheme = tls ? 'https' : 'http';
    // Authentication of callers is a later step; until then the listen address is the only fence.
    const auth = `none (not implemented yet; listening on ${config.host})`;
    logger.info(
      {
        cluster: selected.description,
        clusterKind: selected.kind,
        reason: selected.reason,
        // Not `auth`: the logger redacts that field everywhere.
        authMode: auth,
        host: config.host,
        port,
        tls: tls ? { certFile: config.tls!.certFile, certificate: describeCertificate(tls.cert) } : false,
      },
      `regcred listening on ${scheme}://${config.host}:${port} (docs at /docs); cluster: ${selected.description}; auth: ${auth}; TLS: ${tls ? 'on' : 'off'}`,
    );
  });
  if (tls && config.tls && 'setSecureContext' in server) reloadTlsOnChange(server, config.tls, tls, logger);
  const shutdown = drainOnShutdown(server, { lifecycle, logger, graceMs: config.shutdownGraceMs });
  const stop = (signal: string) => void shutdown(signal).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

start();
