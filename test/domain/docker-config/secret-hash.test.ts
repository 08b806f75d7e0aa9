import { describe, it, expect } from 'vitest';
import { dockerConfigJsonData } from '../../../src/domain/secret-manifest/render-secret.js';
import { DOCKER_HUB_SERVER } from '../../../src/domain/docker-config/credential-schemas.js';
import { secretNameWithHash } from '../../../src/domain/docker-config/secret-hash.js';
import { DOCKER_CONFIG_JSON_TYPE } from '../../../src/domain/kubernetes/secret.js';

// kubectl's own test vectors (create_secret_docker_test.go): test-user / test-password on Docker Hub.
const testUser = { server: DOCKER_HUB_SERVER, username: 'test-user', password: 'test-password' };

describe('secretNameWithHash', () => {
  it('when the Secret is kubectl’s test Secret with an email, then the name is foo-548cm7fgdh', () => {
    const data = dockerConfigJsonData([{ ...testUser, email: 'test-user@example.org' }]);

    expect(secretNameWithHash('foo', DOCKER_CONFIG_JSON_TYPE, data)).toBe('foo-548cm7fgdh');
  });

  it('when the Secret is kubectl’s test Secret without an email, then the name is foo-bff5bt4f92', () => {
    const data = dockerConfigJsonData([testUser]);

    expect(secretNameWithHash('foo', DOCKER_CONFIG_JSON_TYPE, data)).toBe('foo-bff5bt4f92');
  });

  it('then the suffix is ten characters without the hex digits 0, 1, 3, a and e', () => {
    for (let i = 0; i < 200; i++) {
      const suffix = secretNameWithHash('n', 'Opaque', { k: Buffer.from(String(i)).toString('base64') }).slice(2);
      expect(suffix).toMatch(/^[2456789bcdfghkmt]{10}$/);
    }
  });

  it('when the name, type or data change, then the hash changes', () => {
    const data = { k: 'dg==' };
    const hashed = secretNameWithHash('n', 'Opaque', data).slice(2);

    expect(secretNameWithHash('m', 'Opaque', data).slice(2)).not.toBe(hashed);
    expect(secretNameWithHash('n', 'kubernetes.io/dockerconfigjson', data).slice(2)).not.toBe(hashed);
    expect(secretNameWithHash('n', 'Opaque', { k: 'dw==' }).slice(2)).not.toBe(hashed);
  });

  it('when data keys are given in another order, then the hash is the same', () => {
    expect(secretNameWithHash('n', 'Opaque', { a: 'YQ==', b: 'Yg==' })).toBe(secretNameWithHash('n', 'Opaque', { b: 'Yg==', a: 'YQ==' }));
  });

  it('when data values are spelled as unpadded base64, then the hash is that of the canonical bytes', () => {
    expect(secretNameWithHash('n', 'Opaque', { k: 'YQ' })).toBe(secretNameWithHash('n', 'Opaque', { k: 'YQ==' }));
  });
});
