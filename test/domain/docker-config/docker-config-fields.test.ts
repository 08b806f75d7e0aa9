import { describe, it, expect } from 'vitest';
import { decodeAuthField, goFoldedKey, keysMatching, readEntryFields } from '../../../src/domain/docker-config/docker-config-fields.js';

// The vectors of the kubelet's TestDecodeDockerConfigFieldAuth (pkg/credentialprovider/config_test.go).
describe('decodeAuthField, as the kubelet decodes "auth"', () => {
  it.each([
    ['padded', 'Zm9vOmJhcg=='],
    ['unpadded', 'Zm9vOmJhcg'],
    ['broken by newlines', 'Zm9vOm\nJhcg==\n'],
  ])('when auth is %s base64 of "foo:bar", then it decodes to foo and bar', (_, field) => {
    expect(decodeAuthField(field)).toEqual({ ok: true, username: 'foo', password: 'bar', utf8: true });
  });

  it.each([
    ['it has no colon', 'cGFudHM=', 'no_colon'],
    ['it has a trailing space (only newlines are skipped)', 'Zm9vOmJhcg== ', 'invalid_base64'],
    ['it is not base64', 'pants', 'invalid_base64'],
    ['it ends with "=" but is padded wrongly', 'Zm9vOmJhcg=', 'invalid_base64'],
    ['it uses the URL-safe alphabet', 'Zm9vOmJh-_==', 'invalid_base64'],
  ])('when %s, then it fails', (_, field, problem) => {
    expect(decodeAuthField(field)).toEqual({ ok: false, problem });
  });

  it('when the password holds colons, then only the first colon splits', () => {
    expect(decodeAuthField(Buffer.from('u:a:b').toString('base64'))).toMatchObject({ username: 'u', password: 'a:b' });
  });

  it('when the password starts with a byte order mark, then it is kept', () => {
    expect(decodeAuthField(Buffer.from('u:\uFEFFp').toString('base64'))).toMatchObject({ password: '\uFEFFp', utf8: true });
  });
});

describe('Go-style field matching', () => {
  it('when keys differ from the field name only in case, or use the characters Go folds to ASCII, then they match', () => {
    expect(['AUTHS', 'Auths', 'aUtHs', 'auth\u017f'].map(goFoldedKey)).toEqual(['auths', 'auths', 'auths', 'auths']);
    expect(goFoldedKey('\u212Aey')).toBe('key');
  });

  it('when an object has several spellings of a field, then all are found in document order', () => {
    expect(keysMatching({ auths: 1, other: 2, Auths: 3 }, 'auths')).toEqual(['auths', 'Auths']);
  });

  it('when an entry spells a field twice, then the later value wins, as in Go', () => {
    expect(readEntryFields({ username: 'a', Username: 'b', identitytoken: 't' })).toEqual({
      values: { username: 'b' },
      ignored: ['identitytoken'],
    });
  });

  it('when a field is null, then it counts as absent, as in Go', () => {
    expect(readEntryFields({ password: null }).values).toEqual({});
  });
});
