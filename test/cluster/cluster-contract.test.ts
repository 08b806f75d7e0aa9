import { describe } from 'vitest';
import { clusterArenas, type ClusterArena } from '../support/cluster-arena.js';
import { uniqueName } from '../support/real-cluster.js';
import { describeServiceAccountContract } from './contract-service-accounts.js';
import { describeClusterContract } from './contract.js';
import { describePodContract } from './contract-pods.js';

// The Cluster port's contract on each cluster arena: the in-memory adapter must mean what the kit's does.

/** What both contracts' fixtures take from an arena: an empty namespace, one that does not exist, the cleanup. */
const basics = (arena: ClusterArena) => ({
  cluster: arena.cluster,
  namespace: arena.ownNamespace,
  missingNamespace: uniqueName('missing'),
  cleanup: () => arena.cleanup(),
});

describe.each(clusterArenas({ ownNamespace: 'contract', namespaces: ['contract'] }))('on %s', (title, makeArena) => {
  describeClusterContract(title, async () => {
    const arena = await makeArena();
    return { ...basics(arena), seedSecret: arena.seedSecret };
  });
});

const SYSTEM = { name: 'kube-system', labels: { tier: 'system' } };

describe.each(clusterArenas({ ownNamespace: 'contract', namespaces: ['contract', SYSTEM] }))('on %s', (title, makeArena) => {
  describeServiceAccountContract(title, async () => {
    const arena = await makeArena();
    return {
      ...basics(arena),
      seedServiceAccount: arena.seedServiceAccount,
      readServiceAccountFields: arena.readServiceAccountFields,
      createNamespace: async (labels) => {
        const name = uniqueName('labelled');
        await arena.createNamespace(name, labels);
        return name;
      },
    };
  });
});

describe.each(clusterArenas())('on %s', (title, makeArena) => {
  describePodContract(title, makeArena);
});
