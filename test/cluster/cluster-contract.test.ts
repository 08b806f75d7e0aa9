import { describe } from 'vitest';
import { clusterArenas } from '../support/cluster-arena.js';
import { uniqueName } from '../support/real-cluster.js';
import { describeServiceAccountContract } from './contract-service-accounts.js';
import { describeClusterContract } from './contract.js';

// The Cluster port's contract on each cluster arena: the in-memory adapter must mean what the kit's does.

describe.each(clusterArenas({ ownNamespace: 'contract', namespaces: ['contract'] }))('on %s', (title, makeArena) => {
  describeClusterContract(title, async () => {
    const arena = await makeArena();
    return {
      cluster: arena.cluster,
      namespace: arena.ownNamespace,
      missingNamespace: uniqueName('missing'),
      seedSecret: arena.seedSecret,
      cleanup: () => arena.cleanup(),
    };
  });
});

const SYSTEM = { name: 'kube-system', labels: { tier: 'system' } };

describe.each(clusterArenas({ ownNamespace: 'contract', namespaces: ['contract', SYSTEM] }))('on %s', (title, makeArena) => {
  describeServiceAccountContract(title, async () => {
    const arena = await makeArena();
    return {
      cluster: arena.cluster,
      namespace: arena.ownNamespace,
      missingNamespace: uniqueName('missing'),
      seedServiceAccount: arena.seedServiceAccount,
      readServiceAccountFields: arena.readServiceAccountFields,
      createNamespace: async (labels) => {
        const name = uniqueName('labelled');
        await arena.createNamespace(name, labels);
        return name;
      },
      cleanup: () => arena.cleanup(),
    };
  });
});
