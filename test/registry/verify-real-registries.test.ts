import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerificationTarget } from '../../src/domain/verify/registry-verifier.js';
import { createRegistryVerifier, type VerifierSettings } from '../../src/registry/create-verifier.js';
import { closeServer, listenOnLoopback } from '../support/loopback.js';
import {
  describeWithRegistry,
  startHtpasswdRegistry,
  startPlainWebServer,
  startTokenRegistry,
  startTokenServer,
  stopTestServers,
  type PlainWebServer,
  type TestRegistry,
  type TokenServer,
} from '../support/registries.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';

// The verifier as regcred runs it (the guarded node transport, the V2 protocol) against Debian's
// docker-registry (distribution 2.8) on loopback. Loopback is private: these tests allow it.
const USERS = { janedoe: 's3cr3t', bob: 'b0bpass' };

describeWithRegistry('verifying credentials against real registries (distribution 2.8 on loopback)', () => {
  let dir: string;
  let ca: TestCa;
  let basicRegistry: TestRegistry;
  let tokenServer: TokenServer;
  let tokenRegistry: TestRegistry;
  let webSite: PlainWebServer;
  const verifier = (overrides: Partial<VerifierSettings> = {}) =>
    createRegistryVerifier({ extraCa: ca.caPem, insecureHosts: [], allowPrivate: true, timeoutMs: 3000, concurrency: 4, ...overrides });
  const check = (target: VerificationTarget, overrides?: Partial<VerifierSettings>) => verifier(overrides).verify(target);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'regcred-verify-'));
    ca = createTestCa(dir);
    basicRegistry = await startHtpasswdRegistry({ users: USERS, ca });
    tokenServer = await startTokenServer({
      users: USERS,
      grants: { janedoe: ['janedoe/jdoe-private'], bob: [] },
      ca,
      service: 'regcred-test-registry',
    });
    tokenRegistry = await startTokenRegistry({ tokenServer, ca });
    webSite = await startPlainWebServer({ ca });
  });
  afterAll(async () => {
    await stopTestServers();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('htpasswd (Basic) registry over TLS with a test CA', () => {
    it('when the password is right, then valid (basic)', async () => {
      const { verification } = await check({ server: basicRegistry.host, username: 'janedoe', password: 's3cr3t' });
      expect(verification).toMatchObject({ server: basicRegistry.host, status: 'valid', method: 'basic', detail: 'login accepted' });
    });

    it('when the password is wrong, then invalid (basic)', async () => {
      const { verification } = await check({ server: basicRegistry.host, username: 'janedoe', password: 'wrong' });
      expect(verification).toMatchObject({ status: 'invalid', method: 'basic' });
    });

    it('when the key is an https:// URL with a path, then the registry at its host is asked', async () => {
      const { verification } = await check({ server: `${basicRegistry.url}/v1/`, username: 'janedoe', password: 's3cr3t' });
      expect(verification.status).toBe('valid');
    });

    it('when a repository is named, then its manifest is probed with Basic (htpasswd grants every user every repository)', async () => {
      const { verification } = await check({ server: basicRegistry.host, username: 'bob', password: 'b0bpass', repository: 'team/app:v1' });
      expect(verification).toMatchObject({ status: 'valid', repository: 'team/app:v1' });
      expect(verification.detail).toContain('tag does not exist');
    });

    it('when the CA is not trusted, then error, saying how to trust it', async () => {
      const { verification } = await check({ server: basicRegistry.host, username: 'janedoe', password: 's3cr3t' }, { extraCa: undefined });
      expect(verification.status).toBe('error');
      expect(verification.detail).toMatch(/TLS with 127\.0\.0\.1:\d+ failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\).*REGCRED_VERIFY_CA_FILE/);
    });

    it('when the registry is stopped, then unreachable; when it is back, valid again', async () => {
      await basicRegistry.stop();
      try {
        const { verification } = await check({ server: basicRegistry.host, username: 'janedoe', password: 's3cr3t' });
        expect(verification).toMatchObject({ status: 'unreachable', method: 'none' });
        expect(verification.detail).toContain('ECONNREFUSED');
      } finally {
        await basicRegistry.start();
      }
      expect((await check({ server: basicRegistry.host, username: 'janedoe', password: 's3cr3t' })).verification.status).toBe('valid');
    });
  });

  describe('token-auth registry with a token server (RS256 JWT, x5c in the rootcertbundle)', () => {
    it('when the password is right, then valid (bearer), the token asked for with the service and account', async () => {
      const before = tokenServer.requests.length;
      const { verification } = await check({ server: tokenRegistry.host, username: 'janedoe', password: 's3cr3t' });
      expect(verification).toMatchObject({ status: 'valid', method: 'bearer' });
      const asked = tokenServer.requests.slice(before);
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({
        basicAuth: true,
        user: 'janedoe',
        query: { service: ['regcred-test-registry'], account: ['janedoe'] },
      });
    });

    it('when the password is wrong, then invalid: the token server refused it', async () => {
      const { verification } = await check({ server: tokenRegistry.host, username: 'janedoe', password: 'nope' });
      expect(verification).toMatchObject({ status: 'invalid', method: 'bearer' });
      expect(verification.detail).toContain('token service');
    });

    it('when the user may pull the repository, then valid: the token was asked for its pull scope', async () => {
      const before = tokenServer.requests.length;
      const { verification } = await check({
        server: tokenRegistry.host,
        username: 'janedoe',
        password: 's3cr3t',
        repository: 'janedoe/jdoe-private',
      });
      expect(verification).toMatchObject({ status: 'valid', repository: 'janedoe/jdoe-private' });
      expect(tokenServer.requests.slice(before)[0]!.query.scope).toEqual(['repository:janedoe/jdoe-private:pull']);
    });

    it('when the login is right but the user may not pull the repository, then invalid naming it', async () => {
      const { verification } = await check({
        server: tokenRegistry.host,
        username: 'bob',
        password: 'b0bpass',
        repository: 'janedoe/jdoe-private',
      });
      expect(verification).toMatchObject({ status: 'invalid', method: 'bearer' });
      expect(verification.detail).toContain('refused pull access to janedoe/jdoe-private (401)');
    });
  });

  describe('things that are not registries', () => {
    it('when a plain web site answers, then not-a-registry', async () => {
      const { verification } = await check({ server: webSite.host, username: 'janedoe', password: 's3cr3t' });
      expect(verification.status).toBe('not-a-registry');
    });

    it('when an http:// key names a host not listed as insecure, then nothing is sent; when listed, plain HTTP is spoken', async () => {
      const plain = await startPlainWebServer();
      const target = { server: `http://${plain.host}`, username: 'janedoe', password: 's3cr3t' };
      expect(await check(target)).toMatchObject({ verification: { status: 'error' }, refusedByGuard: true });
      expect((await check(target, { insecureHosts: [plain.host] })).verification.status).toBe('not-a-registry');
    });
  });

  describe('the egress guard, as configured by default (private targets refused)', () => {
    it('when the registry is on loopback (by IP or by a name that resolves there), then it is refused before any request', async () => {
      const logBefore = basicRegistry.logs().length;
      for (const server of [basicRegistry.host, `localhost:${basicRegistry.port}`]) {
        const outcome = await check({ server, username: 'janedoe', password: 's3cr3t' }, { allowPrivate: false });
        expect(outcome).toMatchObject({ verification: { status: 'error' }, refusedByGuard: true });
        expect(outcome.verification.detail).toContain('loopback address');
      }
      expect(basicRegistry.logs().length).toBe(logBefore);
      // …while an allowed check does show up in the registry's log, so the assertion above can fail.
      await check({ server: basicRegistry.host, username: 'janedoe', password: 's3cr3t' });
      await expect.poll(() => basicRegistry.logs().length).toBeGreaterThan(logBefore);
    });

    it('when a registry names a token realm on another host over plain HTTP, then no credentials are sent to it', async () => {
      let realmRequests = 0;
      const realm = createHttpServer((_req, res) => {
        realmRequests++;
        res.end('{"token":"x"}');
      });
      const realmPort = await listenOnLoopback(realm);
      const challenger: Server = createServer({ cert: readPem(ca.certFile), key: readPem(ca.keyFile) }, (_req, res) => {
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="http://localhost:${realmPort}/token",service="x"`,
          'docker-distribution-api-version': 'registry/2.0',
        });
        res.end();
      });
      const port = await listenOnLoopback(challenger);
      try {
        const outcome = await check({ server: `127.0.0.1:${port}`, username: 'janedoe', password: 's3cr3t' });
        expect(outcome).toMatchObject({ verification: { status: 'error', method: 'bearer' }, refusedByGuard: true });
        expect(outcome.verification.detail).toContain('never sends credentials over plain HTTP');
        expect(realmRequests).toBe(0);
      } finally {
        await closeServer(challenger);
        await closeServer(realm);
      }
    });
  });
});

const readPem = (file: string) => readFileSync(file, 'utf8');
