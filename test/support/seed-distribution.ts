import { DISTRIBUTION_SOURCE_LABEL } from '../../src/domain/distributions/distribution.js';
import type { ClusterArena } from './cluster-arena.js';
import { ciDockerConfigJson as configJson } from './docker-config-samples.js';
import { uniqueName } from './real-cluster.js';

/**
 * A source Secret and a distribution of it (secret `regcred`) over every namespace labelled
 * `team=<team>`, stored as kubectl would store them; answers the distribution's name, which is
 * pushed to `names` before anything is created (the test's clean-up removes it).
 */
export async function seedTeamDistribution(arena: ClusterArena, team: string, serviceAccounts: string[], names: string[]): Promise<string> {
  const name = uniqueName('psd');
  names.push(name);
  await arena.cluster.createSecret({
    namespace: arena.ownNamespace,
    name: `distribution-${name}`,
    type: 'kubernetes.io/dockerconfigjson',
    labels: { [DISTRIBUTION_SOURCE_LABEL]: name },
    annotations: {},
    data: { '.dockerconfigjson': configJson('s3cr3t') },
  });
  await arena.distributions.createDistribution({
    name,
    finalizers: [],
    labels: {},
    annotations: {},
    spec: {
      secretName: 'regcred',
      source: { secretName: `distribution-${name}`, namespace: arena.ownNamespace },
      namespaceSelector: `team=${team}`,
      serviceAccounts,
    },
  });
  return name;
}
