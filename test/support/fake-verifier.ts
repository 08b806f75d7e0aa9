import type { RegistryVerifier } from '../../src/domain/verify/registry-verifier.js';

/** A verifier that accepts every password but "wrong", without any network. */
export const fakeVerifier: RegistryVerifier = {
  async verify({ server, password }) {
    const status = password === 'wrong' ? 'invalid' : 'valid';
    return {
      verification: { server, status, method: 'basic', detail: status, checkedAt: new Date().toISOString() },
      refusedByGuard: false,
    };
  },
};
