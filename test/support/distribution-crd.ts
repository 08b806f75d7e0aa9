import { resolve } from 'node:path';
import { DISTRIBUTION_GROUP, DISTRIBUTION_PLURAL } from '../../src/domain/distributions/distribution.js';
import { kubectl } from './kubectl.js';

// The PullSecretDistribution CRD: where its files are, and the one way the suites apply it.

/** The PullSecretDistribution CRD as deploy/ ships it. */
export const DISTRIBUTION_CRD = resolve(import.meta.dirname, '../../deploy/base/crd-pullsecretdistribution.yaml');
/** The CRD before it carried the API limits: what a cluster may still hold when regcred is upgraded. */
export const PREVIOUS_DISTRIBUTION_CRD = resolve(import.meta.dirname, '../fixtures/crd-pullsecretdistribution-v1.yaml');

/** `kubectl apply` of the CRD (deploy/'s unless told) on the kit at kubeconfigPath (the shared kit's without), then waits for it to be Established. */
export async function applyDistributionCrd(kubeconfigPath?: string, crd = DISTRIBUTION_CRD): Promise<void> {
  const on = kubeconfigPath === undefined ? [] : ['--kubeconfig', kubeconfigPath];
  const applied = await kubectl([...on, 'apply', '-f', crd]);
  if (applied.code !== 0) throw new Error(`kubectl apply of the CRD failed: ${applied.stderr}`);
  const name = `crd/${DISTRIBUTION_PLURAL}.${DISTRIBUTION_GROUP}`;
  const waited = await kubectl([...on, 'wait', '--for', 'condition=established', '--timeout=60s', name]);
  if (waited.code !== 0) throw new Error(`the CRD was not Established: ${waited.stderr}`);
}
