import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration (src/config.ts)', () => {
  it('when nothing is set, then shutdown grace is 10 s and TLS is off', () => {
    const config = loadConfig({});
    expect(config.shutdownGraceMs).toBe(10_000);
    expect(config.tls).toBeUndefined();
  });

  it('when nothing is set, then callers need a token, kube-* system namespaces are denied, rates are generous and CORS is off', () => {
    const config = loadConfig({});
    expect(config.auth).toBe('token');
    expect(config.tokensFile).toBeUndefined();
    expect(config.denyNamespaces).toEqual(['kube-system', 'kube-public', 'kube-node-lease']);
    expect([config.rateLimitPerMinute, config.ipRateLimitPerMinute]).toEqual([600, 1200]);
    expect(config.corsOrigins).toEqual([]);
  });

  it('when the deny list and CORS origins are set, then they are split on commas', () => {
    const config = loadConfig({
      REGCRED_DENY_NAMESPACES: 'kube-system, prod-*',
      REGCRED_CORS_ORIGINS: 'https://a.example,https://b.example',
      REGCRED_AUTH: 'none',
    });
    expect(config.denyNamespaces).toEqual(['kube-system', 'prod-*']);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.auth).toBe('none');
  });

  it('when nothing is set, then verification speaks HTTPS only, to public addresses, 5 s per request, 8 at a time', () => {
    expect(loadConfig({}).verify).toEqual({
      insecureHosts: [],
      allowPrivate: false,
      timeoutMs: 5000,
      concurrency: 8,
      requestShare: 2,
      maxWaiting: 1000,
    });
  });

  it('when verification is configured, then hosts are split and lower-cased and private targets may be allowed', () => {
    const config = loadConfig({
      REGCRED_VERIFY_INSECURE_HOSTS: 'Registry.local:5000, 10.0.0.5',
      REGCRED_VERIFY_ALLOW_PRIVATE: 'true',
      REGCRED_VERIFY_CA_FILE: '/etc/regcred/ca.pem',
    });
    expect(config.verify).toMatchObject({
      insecureHosts: ['registry.local:5000', '10.0.0.5'],
      allowPrivate: true,
      caFile: '/etc/regcred/ca.pem',
    });
  });

  it.each([
    [{ REGCRED_VERIFY_ALLOW_PRIVATE: 'yes' }, 'REGCRED_VERIFY_ALLOW_PRIVATE: must be true or false'],
    [{ REGCRED_VERIFY_INSECURE_HOSTS: 'http://registry.local' }, 'REGCRED_VERIFY_INSECURE_HOSTS'],
    [{ REGCRED_VERIFY_CONCURRENCY: '0' }, 'REGCRED_VERIFY_CONCURRENCY'],
  ])('when a verification setting is malformed (%o), then the start is refused naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('when both TLS files are set, then TLS is on with the default reload interval', () => {
    const config = loadConfig({
      REGCRED_TLS_CERT_FILE: '/tls/tls.crt',
      REGCRED_TLS_KEY_FILE: '/tls/tls.key',
      REGCRED_SHUTDOWN_GRACE_MS: '2500',
    });
    expect(config.tls).toEqual({ certFile: '/tls/tls.crt', keyFile: '/tls/tls.key', reloadIntervalMs: 30_000 });
    expect(config.shutdownGraceMs).toBe(2500);
  });

  it.each([
    [{ REGCRED_TLS_CERT_FILE: '/tls/tls.crt' }, 'REGCRED_TLS_KEY_FILE: must be set too'],
    [{ REGCRED_TLS_KEY_FILE: '/tls/tls.key' }, 'REGCRED_TLS_CERT_FILE: must be set too'],
    [{ REGCRED_TLS_CERT_FILE: '', REGCRED_TLS_KEY_FILE: '/tls/tls.key' }, 'REGCRED_TLS_CERT_FILE: must be a file path'],
    [{ REGCRED_SHUTDOWN_GRACE_MS: '-1' }, 'REGCRED_SHUTDOWN_GRACE_MS'],
    [{ REGCRED_AUTH: 'anonymous' }, 'REGCRED_AUTH'],
    [{ REGCRED_RATE_LIMIT_PER_MINUTE: '0' }, 'REGCRED_RATE_LIMIT_PER_MINUTE'],
    [{ REGCRED_CORS_ORIGINS: 'not a url' }, 'REGCRED_CORS_ORIGINS'],
  ])('when %j, then the start is refused naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
