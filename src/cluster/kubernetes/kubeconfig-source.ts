import { accessSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { ConfigError } from '../../config.js';

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
