import { describe, it, expect } from 'vitest';
import { renderDockerConfigJson } from '../../../src/domain/docker-config/render-docker-config.js';
import { DOCKER_HUB_SERVER } from '../../../src/domain/docker-config/credential-schemas.js';

const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('renderDockerConfigJson', () => {
  it('when one registry has an email, then username, password, email and auth appear in that order', () => {
    const json = renderDockerConfigJson([
      { server: 'registry.example.com', username: 'jane', password: 's3cr3t', email: 'jane@example.com' },
    ]);

    expect(json).toBe(
      `{"auths":{"registry.example.com":{"username":"jane","password":"s3cr3t","email":"jane@example.com","auth":"${base64('jane:s3cr3t')}"}}}`,
    );
  });

  it('when the email is absent or empty, then the email field is left out', () => {
    const expected = `{"auths":{"${DOCKER_HUB_SERVER}":{"username":"u","password":"p","auth":"${base64('u:p')}"}}}`;

    expect(renderDockerConfigJson([{ server: DOCKER_HUB_SERVER, username: 'u', password: 'p' }])).toBe(expected);
    expect(renderDockerConfigJson([{ server: DOCKER_HUB_SERVER, username: 'u', password: 'p', email: '' }])).toBe(expected);
  });

  it('when the password holds colons, then auth splits nothing: it is base64 of username, colon, password', () => {
    const json = renderDockerConfigJson([{ server: 'r', username: 'u', password: 'a:b:c' }]);

    expect(JSON.parse(json).auths.r.auth).toBe(base64('u:a:b:c'));
  });

  it('when the password holds non-ASCII characters, then auth encodes their UTF-8 bytes', () => {
    const json = renderDockerConfigJson([{ server: 'r', username: 'u', password: 'pä🔑' }]);

    expect(Buffer.from(JSON.parse(json).auths.r.auth, 'base64').toString('hex')).toBe('753a70c3a4f09f9491');
  });

  it('when the server is a URL, then it is the key verbatim, trailing slash and all', () => {
    const json = renderDockerConfigJson([{ server: 'http://host:5000/path/', username: 'u', password: 'p' }]);

    expect(Object.keys(JSON.parse(json).auths)).toEqual(['http://host:5000/path/']);
  });

  it('when values hold HTML or line-separator characters, then they are escaped as Go escapes them', () => {
    const json = renderDockerConfigJson([{ server: 'r', username: '<u>', password: 'a&b\u2028' }]);

    expect(json).toContain('"username":"\\u003cu\\u003e","password":"a\\u0026b\\u2028"');
  });

  it('when there are several registries, then servers are sorted byte-wise as Go sorts map keys', () => {
    const json = renderDockerConfigJson([
      { server: 'registry.example.com', username: 'a', password: 'p' },
      { server: DOCKER_HUB_SERVER, username: 'b', password: 'p' },
      { server: 'Registry.example.com', username: 'c', password: 'p' },
      { server: 'ghcr.io', username: 'd', password: 'p' },
      { server: 'localhost:5000', username: 'e', password: 'p' },
    ]);

    expect(Object.keys(JSON.parse(json).auths)).toEqual([
      'Registry.example.com',
      'ghcr.io',
      DOCKER_HUB_SERVER,
      'localhost:5000',
      'registry.example.com',
    ]);
  });

  it('when the given order differs, then the output is the same bytes', () => {
    const a = { server: 'a.example.com', username: 'u', password: 'p' };
    const b = { server: 'b.example.com', username: 'v', password: 'q', email: 'v@example.com' };

    expect(renderDockerConfigJson([b, a])).toBe(renderDockerConfigJson([a, b]));
  });

  it('when there are several registries, then each entry is rendered as for one registry', () => {
    const json = renderDockerConfigJson([
      { server: 'b', username: 'u2', password: 'p2' },
      { server: 'a', username: 'u1', password: 'p1', email: 'e@x.io' },
    ]);

    expect(json).toBe(
      `{"auths":{"a":{"username":"u1","password":"p1","email":"e@x.io","auth":"${base64('u1:p1')}"},` +
        `"b":{"username":"u2","password":"p2","auth":"${base64('u2:p2')}"}}}`,
    );
  });
});
