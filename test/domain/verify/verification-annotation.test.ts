import { describe, expect, it } from 'vitest';
import {
  nextVerificationAnnotation,
  readLastVerification,
  VERIFICATION_ANNOTATION,
  verificationAnnotationValue,
} from '../../../src/domain/verify/verification-annotation.js';
import type { RegistryVerification } from '../../../src/domain/verify/registry-verifier.js';

const result = (server: string, status: RegistryVerification['status'], checkedAt: string): RegistryVerification => ({
  server,
  status,
  method: 'basic',
  detail: 'login accepted',
  checkedAt,
});

describe('the last-verification annotation', () => {
  it('records per registry only the status and the time, in key order, and reads back', () => {
    const value = verificationAnnotationValue([result('b.example', 'invalid', 't2'), result('a.example', 'valid', 't1')]);
    expect(value).toBe(
      '[{"server":"a.example","status":"valid","checkedAt":"t1"},{"server":"b.example","status":"invalid","checkedAt":"t2"}]',
    );
    expect(readLastVerification({ [VERIFICATION_ANNOTATION]: value })).toEqual([
      { server: 'a.example', status: 'valid', checkedAt: 't1' },
      { server: 'b.example', status: 'invalid', checkedAt: 't2' },
    ]);
  });

  it('when the annotation is missing or not ours to read, then there is no last verification', () => {
    expect(readLastVerification({})).toBeUndefined();
    expect(readLastVerification({ [VERIFICATION_ANNOTATION]: 'not json' })).toBeUndefined();
    expect(readLastVerification({ [VERIFICATION_ANNOTATION]: '[{"server":"a","status":"great"}]' })).toBeUndefined();
  });

  const recorded = verificationAnnotationValue([result('a.example', 'valid', 'earlier')]);
  it('when a fresh verification has the same statuses, then the recorded one is kept (so an identical write is unchanged)', () => {
    const fresh = verificationAnnotationValue([result('a.example', 'valid', 'now')]);
    expect(nextVerificationAnnotation({ [VERIFICATION_ANNOTATION]: recorded }, fresh, false)).toBe(recorded);
  });

  it('when a status changed, then the fresh one replaces it', () => {
    const fresh = verificationAnnotationValue([result('a.example', 'invalid', 'now')]);
    expect(nextVerificationAnnotation({ [VERIFICATION_ANNOTATION]: recorded }, fresh, false)).toBe(fresh);
  });

  it('when nothing was verified, then the record stays while the credentials are unchanged and goes when they change', () => {
    expect(nextVerificationAnnotation({ [VERIFICATION_ANNOTATION]: recorded }, undefined, false)).toBe(recorded);
    expect(nextVerificationAnnotation({ [VERIFICATION_ANNOTATION]: recorded }, undefined, true)).toBeUndefined();
  });
});
