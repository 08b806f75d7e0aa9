import { describe, it, expect } from 'vitest';
import { toPullSecretView } from '../../../src/domain/secret-manifest/redact-secret.js';
import type { SecretObject } from '../../../src/domain/kubernetes/secret.js';
import { pullSecretViewSchema, REDACTED } from '../../../src/domain/view-schemas.js';
import { dockerConfigJsonData, kubectlDockerConfigJson } from '../../support/docker-config-samples.js';

function secret(overrides: Partial<SecretObject> = {}): SecretObject {
  return {
    name: 'regcred',
    namespace: 'team-a',
    type: 'kubernetes.io/dockerconfigjson',
    uid: '6f1c2a8e-0000-4000-8000-000000000001',
    resourceVersion: '4711',
    creationTimestamp: '2025-01-02T03:04:05Z',
    labels: { 'app.kubernetes.io/managed-by': 'regcred', team: 'payments' },
    annotations: {},
    data: dockerConfigJsonData(kubectlDockerConfigJson('registry.example.com', 'jane', 's3cr3t')),
    immutable: false,
    ...overrides,
  };
}

describe('toPullSecretView', () => {
  it('when the secret is one regcred manages, then the view has its metadata, managedByRegcred and the redacted content', () => {
    const view = toPullSecretView(secret());

    expect(view).toEqual({
      name: 'regcred',
      namespace: 'team-a',
      type: 'kubernetes.io/dockerconfigjson',
      uid: '6f1c2a8e-0000-4000-8000-000000000001',
      resourceVersion: '4711',
      creationTimestamp: '2025-01-02T03:04:05Z',
      labels: { 'app.kubernetes.io/managed-by': 'regcred', team: 'payments' },
      immutable: false,
      managedByRegcred: true,
      registries: [{ server: 'registry.example.com', username: 'jane', secretFields: ['password', 'auth'], authMismatch: false }],
      decoded: { auths: { 'registry.example.com': { username: 'jane', password: REDACTED, auth: REDACTED } } },
      warnings: [],
    });
    expect(pullSecretViewSchema.parse(view)).toEqual(view);
  });

  it('when the managed-by label names another tool or is missing, then managedByRegcred is false', () => {
    expect(toPullSecretView(secret({ labels: { 'app.kubernetes.io/managed-by': 'Helm' } })).managedByRegcred).toBe(false);
    expect(toPullSecretView(secret({ labels: {} })).managedByRegcred).toBe(false);
  });

  it('when the secret has annotations, then none appear: last-applied-configuration can hold the whole secret', () => {
    const lastApplied = JSON.stringify({ data: secret().data });
    const view = toPullSecretView(secret({ annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } }));

    expect(JSON.stringify(view)).not.toContain('last-applied');
    expect(JSON.stringify(view)).not.toContain(secret().data['.dockerconfigjson']);
  });

  it('when uid, resourceVersion and creationTimestamp are unknown, then they are left out', () => {
    const view = toPullSecretView(secret({ uid: undefined, resourceVersion: undefined, creationTimestamp: undefined }));

    for (const field of ['uid', 'resourceVersion', 'creationTimestamp']) expect(view).not.toHaveProperty(field);
    expect(pullSecretViewSchema.parse(view)).toEqual(view);
  });

  it('when the secret is not a pull secret, then its data is never shown, only a warning', () => {
    const view = toPullSecretView(secret({ type: 'Opaque', data: { password: Buffer.from('hunter2').toString('base64') } }));

    expect(view).toMatchObject({ registries: [], decoded: {}, warnings: [expect.stringContaining('"Opaque" is not')] });
    expect(JSON.stringify(view)).not.toContain('password');
  });

  it('when the secret is immutable, then the view says so', () => {
    expect(toPullSecretView(secret({ immutable: true })).immutable).toBe(true);
  });
});
