import { accessSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../config.js';

/** Where a cluster configuration can come from, besides Config.kubeconfig (KUBECONFIG). */
export interface ClusterEnvironment {
  /** For ~/.kube/config. */
  homeDir: string | undefined;
  /** KUBERNETES_SERVICE_HOST and _PORT, which the kubelet sets in every pod. */
  serviceHost: string | undefined;
  servicePort: string | undefined;
  /** The mounted service-account directory (token, ca.crt). */
  serviceAccountDir: string;
}

/** Where the configuration was found, or what was looked at when nothing was. */
export type KubeconfigSource =
  | { kind: 'files'; files: string[]; origin: string }
  | { kind: 'in-cluster'; server: string; serviceAccountDir: string }
  | { kind: 'none'; searched: string };

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The process's view. In-pod detection needs variables Config does not carry, so they are read
 * here, once, at start-up (client-node's own loadFromDefault reads the same ones).
 */
export function environmentOfProcess(): ClusterEnvironment {
  return {
    homeDir: process.env.HOME || homedir() || undefined,
    serviceHost: process.env.KUBERNETES_SERVICE_HOST,
    servicePort: process.env.KUBERNETES_SERVICE_PORT,
    serviceAccountDir: SERVICE_ACCOUNT_DIR,
  };
}

/**
 * The same search as client-node's KubeConfig.loadFromDefault (KUBECONFIG, then ~/.kube/config,
 * then the pod's service account), but one that says when nothing was found: loadFromDefault
 * then silently configures http://localhost:8080.
 */
export function findKubeconfig(kubeconfigVariable: string | undefined, env: ClusterEnvironment): KubeconfigSource {
  if (kubeconfigVariable) {
    const named = kubeconfigVariable.split(delimiter).filter(Boolean);
    const files = named.filter(fileExists);
    // An explicit KUBECONFIG that points nowhere is a mistake to report, not a reason to fall back.
    if (files.length === 0) throw new ConfigError(`KUBECONFIG names ${named.join(', ')}, but no such file exists`);
    return { kind: 'files', files, origin: `KUBECONFIG=${kubeconfigVariable}` };
  }
  const homeConfig = env.homeDir ? join(env.homeDir, '.kube', 'config') : undefined;
  if (homeConfig && fileExists(homeConfig)) return { kind: 'files', files: [homeConfig], origin: homeConfig };
  const token = join(env.serviceAccountDir, 'token');
  if (env.serviceHost && fileExists(token)) {
    return { kind: 'in-cluster', server: inClusterServer(env.serviceHost, env.servicePort), serviceAccountDir: env.serviceAccountDir };
  }
  const searched = [
    'KUBECONFIG is not set',
    homeConfig ? `${homeConfig} does not exist` : 'there is no home directory',
    env.serviceHost ? `${token} does not exist` : 'KUBERNETES_SERVICE_HOST is not set (not in a pod)',
  ];
  return { kind: 'none', searched: searched.join(', ') };
}

/** Loads what findKubeconfig found; throws ConfigError with a message that never quotes the file. */
export function loadKubeconfig(source: Exclude<KubeconfigSource, { kind: 'none' }>): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (source.kind === 'in-cluster') {
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: 'in-cluster',
          server: source.server,
          caFile: join(source.serviceAccountDir, 'ca.crt'),
          // client-node refuses a plain-http server unless told to skip TLS verification, and there is no TLS to verify.
          skipTLSVerify: source.server.startsWith('http:'),
        },
      ],
      users: [{ name: 'service-account', authProvider: { name: 'tokenFile', config: { tokenFile: join(source.serviceAccountDir, 'token') } } }],
      contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account' }],
      currentContext: 'in-cluster',
    });
    return kubeConfig;
  }
  const [first, ...rest] = source.files;
  loadFile(kubeConfig, first);
  for (const file of rest) {
    const next = new KubeConfig();
    loadFile(next, file);
    // Like kubectl, the first file that sets current-context wins.
    kubeConfig.mergeConfig(next, Boolean(kubeConfig.currentContext));
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigError(
      `the kubeconfig from ${source.origin} has no usable current context ("${kubeConfig.getCurrentContext() ?? ''}" names no context with a cluster)`,
    );
  }
  return kubeConfig;
}

function loadFile(kubeConfig: KubeConfig, file: string): void {
  try {
    kubeConfig.loadFromFile(file);
  } catch (error) {
    // A YAML parser's message quotes the offending lines, which may hold a token: report the line only.
    const { code, mark } = error as { code?: unknown; mark?: { line?: number } };
    const why = typeof code === 'string' ? code : mark?.line !== undefined ? `invalid YAML at line ${mark.line + 1}` : 'not a valid kubeconfig';
    throw new ConfigError(`cannot load kubeconfig ${file}: ${why}`);
  }
}

function inClusterServer(host: string, port = '443'): string {
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  return `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

function fileExists(file: string): boolean {
  try {
    accessSync(file);
    return true;
  } catch {
    return false;
  }
}
