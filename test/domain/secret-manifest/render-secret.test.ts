import { describe, it, expect } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { renderDockerConfigJson } from '../../../src/domain/docker-config/render-docker-config.js';
import { dockerConfigJsonData, renderPullSecret } from '../../../src/domain/secret-manifest/render-secret.js';
import { MAX_PASSWORD_LENGTH } from '../../../src/domain/docker-config/credential-schemas.js';
import { MAX_SECRET_DATA_BYTES } from '../../../src/domain/kubernetes/secret.js';

const registry = { server: 'registry.example.com', username: 'jane', password: 'hunter2-secret' };
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

function thrownBy(render: () => unknown): ValidationError {
  try {
    render();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

// Enough registries with maximal passwords to push the data past 1 MiB.
const tooManyBytes = Array.from({ length: 12 }, (_, i) => ({
  server: `r${i}.example.com`,
  username: 'u',
  password: 'x'.repeat(MAX_PASSWORD_LENGTH),
}));

describe('renderPullSecret', () => {
  it('when given a name and one registry, then it renders a dockerconfigjson Secret labelled as managed by regcred', () => {
    const manifest = renderPullSecret({ name: 'regcred', registries: [registry] });

    expect(manifest).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', labels: { 'app.kubernetes.io/managed-by': 'regcred' } },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(renderDockerConfigJson([registry])).toString('base64') },
    });
  });

  it('then its keys come in kubectl-like order: apiVersion, kind, metadata, type, data', () => {
    const manifest = renderPullSecret({ name: 'regcred', namespace: 'team', registries: [registry] });

    expect(Object.keys(manifest)).toEqual(['apiVersion', 'kind', 'metadata', 'type', 'data']);
    expect(Object.keys(manifest.metadata)).toEqual(['name', 'namespace', 'labels']);
  });

  it('when given a namespace, labels and annotations, then they are kept beside the managed-by label', () => {
    const manifest = renderPullSecret({
      name: 'regcred',
      namespace: 'team',
      registries: [registry],
      labels: { team: 'payments' },
      annotations: { 'example.com/owner': 'jane' },
    });

    expect(manifest.metadata).toEqual({
      name: 'regcred',
      namespace: 'team',
      labels: { team: 'payments', 'app.kubernetes.io/managed-by': 'regcred' },
      annotations: { 'example.com/owner': 'jane' },
    });
  });

  it('when the caller sets the managed-by label, then regcred’s value wins', () => {
    const manifest = renderPullSecret({ name: 'n', registries: [registry], labels: { 'app.kubernetes.io/managed-by': 'helm' } });

    expect(manifest.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'regcred' });
  });

  it('when annotations are empty, then metadata has no annotations', () => {
    const manifest = renderPullSecret({ name: 'n', registries: [registry], annotations: {} });

    expect(manifest.metadata).not.toHaveProperty('annotations');
  });

  it('when appendHash is set, then the name gets kubectl’s hash suffix, which labels and namespace do not change', () => {
    const plain = renderPullSecret({ name: 'regcred', registries: [registry], appendHash: true });
    const labelled = renderPullSecret({ name: 'regcred', namespace: 'x', registries: [registry], labels: { a: 'b' }, appendHash: true });

    expect(plain.metadata.name).toMatch(/^regcred-[a-z0-9]{10}$/);
    expect(labelled.metadata.name).toBe(plain.metadata.name);
  });

  it('when the hashed name would exceed 253 characters, then it throws a ValidationError on name', () => {
    const error = thrownBy(() => renderPullSecret({ name: 'a'.repeat(243), registries: [registry], appendHash: true }));

    expect(error.errors).toEqual([{ path: 'name', code: 'too_big', message: expect.stringContaining('254 characters') }]);
  });

  it('when the hashed name is exactly 253 characters, then it renders', () => {
    expect(renderPullSecret({ name: 'a'.repeat(242), registries: [registry], appendHash: true }).metadata.name).toHaveLength(253);
  });

  it('when the data would exceed 1 MiB, then it throws a ValidationError on registries that names the limit', () => {
    const error = thrownBy(() => renderPullSecret({ name: 'n', registries: tooManyBytes }));

    expect(error.status).toBe(422);
    expect(error.errors).toEqual([{ path: 'registries', code: 'too_big', message: expect.stringContaining('1 MiB') }]);
    expect(JSON.stringify(error.errors) + error.message).not.toContain('xxxx');
  });

  it('when the data is at most 1 MiB, then it renders, and one more byte of password does not', () => {
    const withPassword = (length: number) => [{ server: 'r', username: 'u', password: 'x'.repeat(length) }];
    const size = (length: number) => Buffer.byteLength(renderDockerConfigJson(withPassword(length)));
    let longest = 0;
    for (let step = 1 << 20; step >= 1; step >>= 1) if (size(longest + step) <= MAX_SECRET_DATA_BYTES) longest += step;

    expect(() => renderPullSecret({ name: 'n', registries: withPassword(longest) })).not.toThrow();
    expect(() => renderPullSecret({ name: 'n', registries: withPassword(longest + 1) })).toThrow(ValidationError);
  });

  it('when both the name and the data are too big, then both problems are reported', () => {
    const error = thrownBy(() => renderPullSecret({ name: 'a'.repeat(250), registries: tooManyBytes, appendHash: true }));

    expect(error.errors.map((e) => e.path)).toEqual(['name', 'registries']);
  });
});

describe('dockerConfigJsonData', () => {
  it('when given registries, then it is the Secret data: .dockerconfigjson holding the rendered document in base64', () => {
    const data = dockerConfigJsonData([registry]);

    expect(Object.keys(data)).toEqual(['.dockerconfigjson']);
    expect(decode(data['.dockerconfigjson'])).toBe(renderDockerConfigJson([registry]));
  });

  it('when the data would exceed 1 MiB, then it throws a ValidationError on registries', () => {
    expect(thrownBy(() => dockerConfigJsonData(tooManyBytes)).errors[0]).toMatchObject({ path: 'registries', code: 'too_big' });
  });
});
