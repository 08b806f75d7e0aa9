import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ObjectWatch } from './object-watch.js';
import type { DistributionStatusView } from './regcred-client.js';

const CR = { group: 'regcred.io', version: 'v1alpha1', plural: 'pullsecretdistributions' };

/** What the bench watches while a distribution works: its copies, every distribution, and every ServiceAccount. */
export interface DistributionWatches {
  copies: ObjectWatch;
  /** Every PullSecretDistribution: other users of a shared kit may have some, which this run's regcred reconciles too. */
  cr: ObjectWatch;
  accounts: ObjectWatch;
  /** Distributions seen during the run that this run did not make. */
  others: Set<string>;
  readonly stopped: boolean;
  start(): Promise<void>;
  stop(): void;
}

export function distributionWatches(kubeConfig: KubeConfig, name: string): DistributionWatches {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const labelSelector = `regcred.io/distribution=${name}`;
  const copies = new ObjectWatch(kubeConfig, '/api/v1/secrets', { labelSelector }, () =>
    core.listSecretForAllNamespaces({ labelSelector }),
  );
  const cr = new ObjectWatch(
    kubeConfig,
    `/apis/${CR.group}/${CR.version}/${CR.plural}`,
    {},
    () => custom.listClusterCustomObject({ ...CR }) as Promise<{ items: object[] }>,
  );
  const accounts = new ObjectWatch(kubeConfig, '/api/v1/serviceaccounts', {}, () => core.listServiceAccountForAllNamespaces());
  let stopped = false;
  return {
    copies,
    cr,
    accounts,
    others: new Set(),
    get stopped() {
      return stopped;
    },
    start: async () => void (await Promise.all([copies.start(), cr.start(), accounts.start()])),
    stop: () => {
      stopped = true;
      for (const w of [copies, cr, accounts]) w.stop();
    },
  };
}

/** The status of distribution `name`, as `cr` last saw it. */
export function statusOf(cr: ObjectWatch, name: string): DistributionStatusView | undefined {
  return cr.get('', name)?.status as DistributionStatusView | undefined;
}

/** Whether distribution `name` has rolled out content other than `oldHash` to every namespace it targets, as `cr` last saw it. */
export function rolledOutSince(cr: ObjectWatch, name: string, oldHash: string | undefined): boolean {
  const status = statusOf(cr, name);
  return (
    status?.contentHash !== undefined &&
    status.contentHash !== oldHash &&
    status.rolledOutAt !== undefined &&
    Date.parse(status.rolledOutAt) >= Date.parse(status.contentChangedAt ?? '') &&
    status.counts?.current === status.counts?.targeted
  );
}

/** Remembers every distribution `watches.cr` holds now whose name is not in `ours`. */
export function noteOthers(watches: DistributionWatches, ours: readonly string[]): void {
  for (const object of watches.cr.objects.values()) {
    const name = object.metadata?.name ?? '';
    if (!ours.includes(name)) watches.others.add(name);
  }
}

/**
 * Runs `act` `count` times, one after the other, starting one every `spacingMs` (or as soon as the
 * previous answered, if that took longer); each answers a latency still being measured, all awaited at the end.
 */
export async function spaced(
  count: number,
  spacingMs: number,
  act: (i: number) => Promise<{ latency: Promise<number | undefined> }>,
): Promise<Array<number | undefined>> {
  const latencies: Array<Promise<number | undefined>> = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    latencies.push((await act(i)).latency);
    await sleep(Math.max(0, spacingMs - (performance.now() - started)));
  }
  return Promise.all(latencies);
}
