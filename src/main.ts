import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createApp } from './app.js';
import { createCluster, type SelectedCluster } from './cluster/create-cluster.js';
import { instrumentCluster } from './cluster/instrumented-cluster.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { TokensFileError, parseTokensFile, tokenSha256Hex } from './domain/access/caller-tokens.js';
import { kubernetesGatekeeper, openGatekeeper, tokenGatekeeper, type Gatekeeper } from './domain/access/gatekeeper.js';
import type { RegistryVerifier } from './domain/verify/registry-verifier.js';
import type { ManifestProbe } from './domain/pullcheck/pullcheck-model.js';
import { defaultIdentity } from './controller/lease-record.js';
import { startDistributionRuntime, type DistributionRuntime } from './distribution-runtime.js';
import { createLogger } from './logger.js';
import { registryPortsFromConfig } from './registry/registry-ports.js';
import { VerifyCaFileError } from './registry/verifier-from-config.js';
import { createMetrics, observeVerificationSlots } from './metrics.js';
import { applyServerTimeouts } from './server-timeouts.js';
import { Lifecycle, drainOnShutdown } from './shutdown.js';
import { describeCertificate, readTlsCredentials, reloadTlsOnChange, type TlsCredentials } from './tls.js';

/** Writes a file only its owner may read, also when it existed before with wider permissions (`mode` applies only to a new file). */
function writeOwnerOnly(path: string, text: string): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A start-up failure the operator must fix: the message, on stderr, and exit code 2. */
function refuseToStart(message: string): never {
  process.stderr.write(`regcred: ${message}\n`);
  process.exit(2);
}

/**
 * The gatekeeper for config.auth. Token mode without a tokens file generates one token for this
 * run and prints it once, on stderr (never in a log line), as Jupyter does.
 */
function createGatekeeper(config: Readonly<Config>, selected: SelectedCluster): { gatekeeper: Gatekeeper; description: string } {
  switch (config.auth) {
    case 'none':
      return { gatekeeper: openGatekeeper(), description: 'none (REGCRED_AUTH=none: anyone who reaches the port may write)' };
    case 'kubernetes':
      if (!selected.reviewer)
        refuseToStart('REGCRED_AUTH=kubernetes needs a real cluster (TokenReview, SubjectAccessReview); set KUBECONFIG or run in a pod');
      return {
        gatekeeper: kubernetesGatekeeper(selected.reviewer, { ttlMs: config.reviewCacheSeconds * 1000 }),
        description: 'kubernetes (TokenReview and SubjectAccessReview)',
      };
    case 'token': {
      if (config.tokensFile) {
        let text: string;
        try {
          text = readFileSync(config.tokensFile, 'utf8');
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          refuseToStart(`cannot read REGCRED_TOKENS_FILE (${typeof code === 'string' ? code : 'unreadable'})`);
        }
        try {
          const entries = parseTokensFile(text);
          return { gatekeeper: tokenGatekeeper(entries), description: `token (${entries.length} caller(s) from REGCRED_TOKENS_FILE)` };
        } catch (error) {
          if (error instanceof TokensFileError) refuseToStart(`REGCRED_TOKENS_FILE ${error.message}`);
          throw error;
        }
      }
      const token = randomBytes(32).toString('base64url');
      if (config.tokenOutputFile) {
        try {
          writeOwnerOnly(config.tokenOutputFile, `${token}\n`);
        } catch {
          refuseToStart('cannot write REGCRED_TOKEN_OUTPUT_FILE');
        }
      }
      process.stderr.write(
        `regcred: no tokens configured; generated one for this run (caller "local", all namespaces except the deny list): ${token}\n`,
      );
      const entries = parseTokensFile(JSON.stringify([{ caller: 'local', sha256: tokenSha256Hex(token), namespaces: ['*'] }]));
      return { gatekeeper: tokenGatekeeper(entries), description: 'token (one generated for this run, printed on stderr)' };
    }
  }
}

async function start(): Promise<void> {
  let config: Readonly<Config>;
  let selected: SelectedCluster;
  let tls: TlsCredentials | undefined;
  try {
    config = loadConfig();
    selected = await createCluster(config);
  } catch (error) {
    if (error instanceof ConfigError) refuseToStart(error.message);
    throw error;
  }
  const { gatekeeper, description: auth } = createGatekeeper(config, selected);
  const metrics = createMetrics();
  let verifier: RegistryVerifier;
  let probe: ManifestProbe;
  try {
    // One egress: verification and the pull check's probes share its slots and its guard.
    ({ verifier, probe } = registryPortsFromConfig(config.verify, { observeSlots: observeVerificationSlots(metrics) }));
  } catch (error) {
    if (error instanceof VerifyCaFileError) refuseToStart(error.message);
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
  const lifecycle = new Lifecycle();
  const cluster = instrumentCluster(selected.cluster, metrics);
  if (config.auth === 'none') {
    logger.warn(
      { authMode: 'none' },
      'REGCRED_AUTH=none: callers are not authenticated; anyone who reaches the port may write pull secrets',
    );
  }
  const distributions = selected.distributions;
  // Cloud sources allowed: each cloud's SDK is loaded on its first mint (heap a service without them should not pay).
  const minter =
    distributions && config.controller.enabled && config.cloud.allow.length > 0
      ? (await import('./cloud/create-cloud-minter.js')).createCloudMinter({ timeoutMs: config.cloud.timeoutMs })
      : undefined;
  // The controller joins the leader election once the port is ours: a start that fails to listen never holds the Lease.
  const controllerIdentity = distributions && config.controller.enabled ? defaultIdentity() : undefined;
  let controller: DistributionRuntime | undefined;
  const app = createApp({
    config,
    cluster,
    distributions,
    logger,
    metrics,
    gatekeeper,
    verifier,
    probe,
    isDraining: lifecycle.isDraining,
    controller: controllerIdentity ? { identity: controllerIdentity, isLeader: () => controller?.isLeader() ?? false } : undefined,
  });
  let server;
  try {
    server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, app) : createHttpServer(app);
  } catch {
    refuseToStart('REGCRED_TLS_CERT_FILE and REGCRED_TLS_KEY_FILE do not hold a matching PEM certificate and private key');
  }
  applyServerTimeouts(server);
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'cannot listen');
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    if (distributions && controllerIdentity)
      controller = startDistributionRuntime({
        config,
        cluster,
        distributions,
        metrics,
        logger,
        verifier,
        identity: controllerIdentity,
        ...(minter ? { minter } : {}),
      });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const scheme = tls ? 'https' : 'http';
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
  // The Lease is released as soon as shutdown begins, so another replica takes over while this one drains.
  const stop = (signal: string) =>
    void Promise.all([shutdown(signal), controller?.stop().catch(() => undefined)]).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await start();
