import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { parseDockerConfigFile } from '../../../src/domain/docker-config/parse-docker-config.js';
import { hasUserinfo, redactUserinfo } from '../../../src/domain/text/redact-userinfo.js';
import { matchBodySchema } from '../../../src/domain/match/match-schemas.js';
import { credentialsBodySchema, serverSchema } from '../../../src/domain/docker-config/credential-schemas.js';
import { patchPullSecretBodySchema } from '../../../src/domain/pull-secrets/write-schemas.js';
import { authOf, thrownBy } from '../../support/docker-config-samples.js';

// One rule for userinfo in a server: what writes refuse is exactly what views redact.

const SECRET = 'S3CRET';
const refusedForUserinfo = (server: string) =>
  serverSchema.safeParse(server).error?.issues.some((issue) => (issue as { params?: { rule?: string } }).params?.rule === 'no_userinfo') ??
  false;

describe('userinfo in a server: refused on writes, redacted on display, by the same rule', () => {
  it.each([
    `https://ci:pa/${SECRET}@reg.example.com`,
    `https://deploy:2024/${SECRET}@reg.example.com`,
    `https://u:${SECRET}#x@reg.example.com`,
    `https://u:${SECRET}?x@reg.example.com`,
    `u:${SECRET}@reg.example.com/team`,
    `https://u:${SECRET}@reg.example.com`,
  ])('%s is refused with no_userinfo, and shown without the password', (server) => {
    expect(refusedForUserinfo(server)).toBe(true);
    expect(redactUserinfo(server)).not.toContain(SECRET);
  });

  it('for any server, writes refuse it for userinfo exactly when views would redact it', () => {
    const server = fc.oneof(
      fc.string(),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.constantFrom('https://a:b/c@d', 'r.io/p@x'),
    );
    fc.assert(
      fc.property(server, (s) => {
        expect(refusedForUserinfo(s)).toBe(hasUserinfo(s));
        if (hasUserinfo(s)) expect(redactUserinfo(s).endsWith(`[REDACTED]${s.slice(s.lastIndexOf('@'))}`)).toBe(true);
        else expect(redactUserinfo(s)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('when an uploaded config.json has a key with a password past a "/", then 422 no_userinfo, its path redacted', () => {
    const upload = JSON.stringify({ auths: { [`https://ci:pa/${SECRET}@reg.example.com`]: { auth: authOf('ci', 'pw') } } });

    const error = thrownBy(() => parseDockerConfigFile(upload)) as ValidationError;

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors).toEqual([{ path: 'auths/https://[REDACTED]@reg.example.com', code: 'no_userinfo', message: expect.any(String) }]);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET);
  });

  it('when a server with userinfo is given twice, then the "duplicate" messages name it redacted', () => {
    const server = `https://u:${SECRET}@reg.example.com`;
    const registry = { server, username: 'u', password: 'p' };
    const refusals = [
      credentialsBodySchema.safeParse({ registries: [registry, registry] }),
      matchBodySchema.safeParse({ images: ['nginx'], registries: [registry, registry] }),
      patchPullSecretBodySchema.safeParse({ upsert: [registry, registry], remove: [server, server] }),
    ];

    for (const refusal of refusals) {
      expect(refusal.success).toBe(false);
      expect(refusal.error!.issues.map((issue) => issue.message)).toContainEqual(expect.stringMatching(/duplicate .*\[REDACTED\]@reg/));
      expect(JSON.stringify(refusal.error!.issues)).not.toContain(SECRET);
    }
  });
});
