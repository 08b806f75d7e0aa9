import { describe } from 'vitest';
import { clusterArenas } from '../support/cluster-arena.js';
import { kubectl } from '../support/kubectl.js';
import { describeDistributionContract } from './distribution-contract.js';

// The distribution controller's port on each cluster arena: MemoryDistributions must mean what KubernetesDistributions does.

const HISTORY_LIMIT = 200;
const memory = { ownNamespace: 'regcred', namespaces: ['regcred', 'default'], historyLimit: HISTORY_LIMIT };

describe.each(clusterArenas(memory))('on %s', (title, makeArena) => {
  describeDistributionContract(title, async () => {
    const arena = await makeArena();
    const onKit = arena.kind === 'kit';
    const named: string[] = [];
    return {
      distributions: arena.distributions,
      cluster: arena.cluster,
      uniqueName: (prefix) => {
        const name = arena.unique(prefix);
        named.push(name);
        return name;
      },
      createNamespace: arena.createNamespace,
      setNamespaceLabels: arena.setNamespaceLabels,
      deleteNamespace: arena.deleteNamespace,
      createServiceAccount: async (namespace, name) => void (await arena.seedServiceAccount({ namespace, name })),
      deleteServiceAccount: arena.deleteServiceAccount,
      createPod: arena.createPod,
      eventsAbout: arena.eventsAbout,
      expiredResourceVersion: async () => {
        // resourceVersion 1 expires on a kit that has run a while, but a freshly started API server (as
        // in CI) kept a watch from it open without an event: not reliable. test/resilience/
        // distribution-watch.test.ts covers the 410 (status or ERROR event) against a fake API server.
        if (onKit) return undefined;
        // More changes than the history keeps push resourceVersion 1 out of it, as etcd's compaction does.
        for (let i = 0; i <= HISTORY_LIMIT; i++) await arena.createNamespace('churn', { round: String(i) });
        return '1';
      },
      leaseNamespace: onKit ? 'default' : arena.ownNamespace,
      cleanup: async () => {
        await arena.cleanup();
        if (onKit) for (const name of named) await kubectl(['delete', 'lease', '-n', 'default', name, '--ignore-not-found']);
      },
    };
  });
});
