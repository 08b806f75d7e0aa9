import { describe, expect, it } from 'vitest';
import { sourceBinding } from '../../../src/domain/distributions/ownership.js';
import type { SecretObject } from '../../../src/domain/kubernetes/secret.js';

const distribution = {
  name: 'payments',
  uid: 'u-1',
  spec: { secretName: 'regcred', source: { secretName: 'team-secret' }, serviceAccounts: [] },
};
const secret = (labels: Record<string, string>, annotations: Record<string, string> = {}): SecretObject => ({
  name: 'team-secret',
  namespace: 'regcred',
  type: 'kubernetes.io/dockerconfigjson',
  labels,
  annotations,
  data: {},
  immutable: false,
});

describe('sourceBinding', () => {
  it('answers a missing Secret and one not labelled for the distribution in the same words: a spec learns nothing of what exists', () => {
    const missing = sourceBinding(undefined, distribution);
    const unlabelled = sourceBinding(secret({ other: 'x' }), distribution);
    const otherDistribution = sourceBinding(secret({ 'regcred.io/distribution-source': 'web' }), distribution);
    expect(missing).toEqual({ problem: expect.stringContaining('does not exist, or is not labelled') });
    expect(unlabelled).toEqual(missing);
    expect(otherDistribution).toEqual(missing);
  });

  it('hands over a labelled source, bound to this object or not yet bound, and refuses one bound to another', () => {
    expect(sourceBinding(secret({ 'regcred.io/distribution-source': 'payments' }), distribution)).toMatchObject({ bound: false });
    expect(
      sourceBinding(secret({ 'regcred.io/distribution-source': 'payments' }, { 'regcred.io/distribution-uid': 'u-1' }), distribution),
    ).toMatchObject({ bound: true });
    expect(
      sourceBinding(secret({ 'regcred.io/distribution-source': 'payments' }, { 'regcred.io/distribution-uid': 'u-0' }), distribution),
    ).toEqual({ problem: expect.stringContaining('bound to an earlier distribution') });
  });
});
