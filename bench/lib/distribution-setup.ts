import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoordinationV1Api, KubeConfig, type CustomObjectsApi } from '@kubernetes/client-node';
import { startRegcredMain, type RegcredProcess } from './children.js';
import { BENCH_TOKEN } from './fixtures.js';
import type { Kit } from './kit.js';
import { createBenchNamespace } from './namespace.js';
import { RegcredClient } from './regcred-client.js';

const run = promisify(execFile);
const CRD = fileURLToPath(new URL('../../deploy/base/crd-pullsecretdistribution.yaml', import.meta.url));
const LEADER_TIMEOUT_MS = 60_000;

export interface RegcredController {
  server: RegcredProcess;
  client: RegcredClient;
  /** REGCRED_NAMESPACE: where the sources and the Lease live. */
  ownNamespace: string;
  /** From the process's start until it led (regcred_controller_leader 1). */
  leaderAfterMs: number;
}

/** Applies the PullSecretDistribution CRD with kubectl and waits until it is Established. */
export async function applyCrd(kit: Kit): Promise<void> {
  const env = { ...process.env, KUBECONFIG: kit.kubeconfig };
  await run('kubectl', ['apply', '-f', CRD], { env, timeout: 60_000 });
  await run('kubectl', ['wait', '--for', 'condition=established', '--timeout=60s', 'crd/pullsecretdistributions.regcred.io'], {
    env,
    timeout: 70_000,
  });
}

export interface ControllerOptions {
  /** Node flags after start:prod's (e.g. --inspect for profiling). */
  nodeFlags?: string[];
  /** The REGCRED_NAMESPACE of an earlier regcred, to take over its distributions (a restart); else a new one. */
  ownNamespace?: string;
}

/**
 * regcred as deployed (src/main.ts compiled, start:prod's V8 flags, token auth, kubernetes mode
 * with the kit admin kubeconfig), in a namespace of its own, and waits until its controller leads.
 * Registers its clean-up (the process, then its namespace) in `cleanups`.
 */
export async function startController(
  kit: Kit,
  name: string,
  env: Record<string, string>,
  cleanups: Array<() => Promise<void>>,
  options: ControllerOptions = {},
): Promise<RegcredController> {
  const own = options.ownNamespace ? { name: options.ownNamespace } : await createOwnNamespace(kit, cleanups);
  const tokensFile = await benchTokensFile(cleanups);
  const started = performance.now();
  const server = await startRegcredMain(
    name,
    {
      ...env,
      KUBECONFIG: kit.kubeconfig,
      REGCRED_CLUSTER: 'kubernetes',
      REGCRED_AUTH: 'token',
      REGCRED_TOKENS_FILE: tokensFile,
      REGCRED_NAMESPACE: own.name,
      // High enough never to refuse the bench's own calls.
      REGCRED_RATE_LIMIT_PER_MINUTE: '1000000',
      REGCRED_IP_RATE_LIMIT_PER_MINUTE: '1000000',
    },
    options.nodeFlags,
  );
  cleanups.push(server.stop);
  const client = new RegcredClient(server.url);
  const deadline = performance.now() + LEADER_TIMEOUT_MS;
  while ((await client.metric('regcred_controller_leader')) !== 1) {
    if (performance.now() > deadline) throw new Error(`${name} did not lead within ${LEADER_TIMEOUT_MS} ms`);
    await sleep(100);
  }
  return { server, client, ownNamespace: own.name, leaderAfterMs: performance.now() - started };
}

async function createOwnNamespace(kit: Kit, cleanups: Array<() => Promise<void>>): Promise<{ name: string }> {
  const own = await createBenchNamespace(kit.kubeconfig);
  cleanups.push(own.remove);
  const leases = adminKubeConfig(kit.kubeconfig).makeApiClient(CoordinationV1Api);
  // A namespace removed by hand (no namespace controller) would leave its Lease in etcd.
  cleanups.push(async () => void (await leases.deleteCollectionNamespacedLease({ namespace: own.name })));
  return own;
}

/** A REGCRED_TOKENS_FILE granting BENCH_TOKEN every namespace, removed by a step registered in `cleanups`. */
export async function benchTokensFile(cleanups: Array<() => Promise<void>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regcred-bench-tokens-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const tokensFile = join(dir, 'tokens.json');
  await writeFile(tokensFile, JSON.stringify([{ caller: 'bench', token: BENCH_TOKEN, namespaces: ['*'] }]), { mode: 0o600 });
  return tokensFile;
}

/** Deletes a distribution (copies too) and waits until it is gone; answers how long that took, or throws after `timeoutMs`. */
export async function removeDistribution(client: RegcredClient, name: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await client.deleteDistribution(name);
  while ((await client.distributionStatus(name)) !== null) {
    if (performance.now() - started > timeoutMs) throw new Error(`distribution ${name} still there ${timeoutMs} ms after DELETE`);
    await sleep(100);
  }
  return performance.now() - started;
}

/** The kit's admin kubeconfig, loaded. */
export function adminKubeConfig(kubeconfig: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfig);
  return kubeConfig;
}

/** Deletes the distributions through regcred; one that will not go loses its finalizers and is deleted directly. */
export async function forget(client: RegcredClient, custom: CustomObjectsApi, names: string[]): Promise<void> {
  const CR = { group: 'regcred.io', version: 'v1alpha1', plural: 'pullsecretdistributions' };
  for (const name of names) {
    try {
      await removeDistribution(client, name, 30_000);
    } catch {
      await custom
        .patchClusterCustomObject({ ...CR, name, body: [{ op: 'replace', path: '/metadata/finalizers', value: [] }] })
        .catch(() => undefined);
      await custom.deleteClusterCustomObject({ ...CR, name }).catch(() => undefined);
    }
  }
}
