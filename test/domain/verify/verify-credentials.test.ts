import { describe, expect, it } from 'vitest';
import type { VerificationOutcome } from '../../../src/domain/verify/registry-verifier.js';
import { enforceVerification, RegistryUnverifiableError, VerificationFailedError } from '../../../src/domain/verify/verify-credentials.js';

const outcome = (status: VerificationOutcome['verification']['status'], refusedByGuard = false): VerificationOutcome => ({
  verification: { server: `${status}.example`, status, method: 'basic', detail: `it was ${status}`, checkedAt: 't' },
  refusedByGuard,
});
const fieldOf = (i: number) => `registries/${i}/password`;

describe('applying the verify mode', () => {
  it('under verify=true, nothing is refused and every registry short of valid is a warning', () => {
    const warnings = enforceVerification('true', [outcome('valid'), outcome('invalid'), outcome('unreachable')], fieldOf);
    expect(warnings).toEqual([
      'verification of invalid.example: invalid — it was invalid',
      'verification of unreachable.example: unreachable — it was unreachable',
    ]);
  });

  it.each(['invalid', 'not-a-registry'] as const)('under verify=required, %s is a 422 naming the field and the rule', (status) => {
    const attempt = () => enforceVerification('required', [outcome('valid'), outcome(status)], fieldOf);
    expect(attempt).toThrow(VerificationFailedError);
    try {
      attempt();
    } catch (error) {
      const failed = error as VerificationFailedError;
      expect(failed.status).toBe(422);
      expect(failed.errors).toEqual([
        { path: 'registries/1/password', code: `verification_${status}`, message: `${status}.example: it was ${status}` },
      ]);
      expect(failed.extensions.verification).toHaveLength(2);
    }
  });

  it('under verify=required, a target the egress guard refused is a 422 too (the caller named it)', () => {
    expect(() => enforceVerification('required', [outcome('error', true)], fieldOf)).toThrow(VerificationFailedError);
  });

  it.each(['unreachable', 'error'] as const)('under verify=required, %s is a 502', (status) => {
    expect(() => enforceVerification('required', [outcome(status)], fieldOf)).toThrow(RegistryUnverifiableError);
  });

  it('under verify=required, valid and no-auth-required pass (the latter with a warning)', () => {
    expect(enforceVerification('required', [outcome('valid'), outcome('no-auth-required')], fieldOf)).toHaveLength(1);
  });
});
