import { StaleWriteError } from '../cluster.js';
import { LOST_RACE } from '../pull-secrets/write-turns.js';
import { draftDistribution, ORPHAN_ANNOTATION, type DistributionDraft, type DistributionObject } from './distribution.js';
import { DistributionNotFoundError } from './distribution-cluster.js';
import type { DistributionView } from './distribution-schemas.js';
import { viewDistribution, type DistributionPorts } from './distribution-view.js';

/**
 * DELETE /v1/distributions/{name}: asks for the deletion; the controller then removes the copies
 * and links the distribution made (with `orphan`, only its finalizer) and the object goes. With
 * `orphan` the annotation saying so is set first, so the controller never starts a cleanup that
 * was not asked for. The view says `deleting`.
 * @throws DistributionNotFoundError
 */
export async function deleteDistribution(ports: DistributionPorts, name: string, orphan: boolean): Promise<DistributionView> {
  const { distributions } = ports;
  const marked = await ports.turns.take({
    key: `pullsecretdistribution/${name}`,
    round: async () => {
      const distribution = await distributions.readDistribution(name);
      if (!distribution) throw new DistributionNotFoundError(name);
      if (!orphan || distribution.annotations[ORPHAN_ANNOTATION] === 'true') return distribution;
      try {
        return await distributions.replaceDistribution(orphaned(distribution));
      } catch (error) {
        if (error instanceof StaleWriteError) return LOST_RACE;
        throw error;
      }
    },
    giveUp: () => new StaleWriteError('', name, 'pullsecretdistribution'),
  });
  await distributions.deleteDistribution(name, marked.uid!);
  // With its finalizer it is still there, marked; without one it is gone already.
  const after = (await distributions.readDistribution(name)) ?? marked;
  return viewDistribution(ports.cluster, ports.sourceNamespace, {
    ...after,
    deletionTimestamp: after.deletionTimestamp ?? new Date().toISOString(),
  });
}

function orphaned(distribution: DistributionObject): DistributionDraft & { resourceVersion: string } {
  return { ...draftDistribution(distribution), annotations: { ...distribution.annotations, [ORPHAN_ANNOTATION]: 'true' } };
}
