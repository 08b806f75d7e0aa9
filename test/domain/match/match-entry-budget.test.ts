import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import * as fields from '../../../src/domain/docker-config/docker-config-fields.js';
import { matchImages, MAX_MATCH_ENTRIES } from '../../../src/domain/match/match-images.js';
import { authOf, base64 } from '../../support/docker-config-samples.js';

// Every `auth` the match reads is decoded by decodeAuthField: counting its calls counts the entries decoded.
vi.mock('../../../src/domain/docker-config/docker-config-fields.js', async (importOriginal) => {
  const actual = await importOriginal<typeof fields>();
  return { ...actual, decodeAuthField: vi.fn(actual.decodeAuthField) };
});

const authsOf = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`r${i}.example.com`, { auth: authOf('u', 'p') }]));
const secretOf = (name: string, type: string, content: unknown) => ({
  name,
  type,
  data: { [type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson']: base64(JSON.stringify(content)) },
});

describe('matchImages: the entry budget is checked before entries are decoded', () => {
  it.each([
    ['a config.json secret', secretOf('huge', 'kubernetes.io/dockerconfigjson', { auths: authsOf(14_000) }), 'secrets'],
    ['a legacy .dockercfg secret', secretOf('huge', 'kubernetes.io/dockercfg', authsOf(14_000)), 'serviceAccount'],
  ])('when %s holds 14,000 entries, then 422 too_big on the field, and no entry of it was decoded', (_, secret, field) => {
    const decode = vi.mocked(fields.decodeAuthField);
    decode.mockClear();

    const refused = (() => {
      try {
        matchImages(['r1.example.com/app'], { secrets: [secret], field });
      } catch (error) {
        return error;
      }
    })();

    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).errors).toEqual([expect.objectContaining({ path: field, code: 'too_big' })]);
    expect(decode).not.toHaveBeenCalled();
  });

  it('when earlier secrets used up part of the budget, then a later one past what is left is refused undecoded', () => {
    const decode = vi.mocked(fields.decodeAuthField);
    const first = secretOf('first', 'kubernetes.io/dockerconfigjson', { auths: authsOf(60) });
    const second = secretOf('second', 'kubernetes.io/dockerconfigjson', { auths: authsOf(MAX_MATCH_ENTRIES - 60 + 1) });
    decode.mockClear();

    expect(() => matchImages(['r1.example.com/app'], { secrets: [first, second] })).toThrow(ValidationError);
    expect(decode).toHaveBeenCalledTimes(60);
  });
});
