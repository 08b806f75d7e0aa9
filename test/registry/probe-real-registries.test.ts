import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult, ProbeTarget } from '../../src/domain/pullcheck/pullcheck-model.js';
import type { RegistryTransport } from '../../src/domain/verify/registry-transport.js';
import { createRegistryProbe } from '../../src/registry/create-probe.js';
import { nodeRegistryTransport } from '../../src/registry/node-transport.js';
import {
  describeWithRegistry,
  startHtpasswdRegistry,
  startTokenRegistry,
  startTokenServer,
  stopTestServers,
  type TestRegistry,
  type TokenServer,
} from '../support/registries.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';
import { pushTestImage, type PushedImage } from '../support/test-image.js';

// The pull check's manifest probe as regcred runs it (the guarded node transport, one slot per
// probe) against Debian's docker-registry (distribution 2.8) on loopback, which these tests allow.
const PASSWORD = `canary-${randomBytes(12).toString('hex')}`;
const jane = { username: 'janedoe', password: PASSWORD };
const uploader = { username: 'uploader', password: randomBytes(16).toString('hex') };
// What distribution writes beside its codes: never to appear in a result.
const REGISTRY_MESSAGES = [
  'authentication required',
  'manifest unknown',
  'repository name not known',
  'insufficient_scope',
  'access to the requested',
];

describeWithRegistry('probing manifests on real registries (distribution 2.8 on loopback)', () => {
  let dir: string;
  let ca: TestCa;
  let basicRegistry: TestRegistry;
  let tokenServer: TokenServer;
  let tokenRegistry: TestRegistry;
  let basicImage: PushedImage;
  let results: ProbeResult[];
  const settings = () => ({ extraCa: ca.caPem, insecureHosts: [], allowPrivate: true, timeoutMs: 3000, concurrency: 4 });
  const counting = () => {
    const inner = nodeRegistryTransport(settings());
    const transport: RegistryTransport & { sent: number } = { sent: 0, send: (r, s) => (transport.sent++, inner.send(r, s)) };
    return transport;
  };
  const probe = async (target: ProbeTarget) => {
    const result = await createRegistryProbe({ ...settings(), cache: false }).probe(target);
    results.push(result);
    return result;
  };
  const at = (registry: TestRegistry, repository: string, reference: string, credential?: ProbeTarget['credential']): ProbeTarget => ({
    registry: registry.host,
    repository,
    reference,
    ...(credential ? { credential } : {}),
  });

  beforeAll(async () => {
    results = [];
    dir = mkdtempSync(join(tmpdir(), 'regcred-probe-'));
    ca = createTestCa(dir);
    tokenServer = await startTokenServer({
      users: { janedoe: PASSWORD, [uploader.username]: uploader.password },
      grants: { janedoe: ['team/app', 'team/gone'] },
      pushGrants: { [uploader.username]: ['team/app', 'team/other', 'public/tool'] },
      anonymousGrants: ['public/tool'],
      ca,
      service: 'regcred-test-registry',
    });
    [basicRegistry, tokenRegistry] = await Promise.all([
      startHtpasswdRegistry({ users: { janedoe: PASSWORD }, ca }),
      startTokenRegistry({ tokenServer, ca }),
    ]);
    [basicImage] = await Promise.all([
      pushTestImage(basicRegistry, { repository: 'team/app', tag: 'v1', credentials: jane }),
      pushTestImage(tokenRegistry, { repository: 'team/app', tag: 'v1', credentials: uploader }),
      pushTestImage(tokenRegistry, { repository: 'team/other', tag: 'v1', credentials: uploader }),
      pushTestImage(tokenRegistry, { repository: 'public/tool', tag: 'v1', credentials: uploader }),
    ]);
  });
  afterAll(async () => {
    await stopTestServers();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('htpasswd (Basic)', () => {
    it('when the password is right, then pulls', async () => {
      expect(await probe(at(basicRegistry, 'team/app', 'v1', jane))).toMatchObject({ outcome: 'pulls', status: 200 });
    });

    it('when the password is wrong, then unauthorized (401 UNAUTHORIZED)', async () => {
      const result = await probe(at(basicRegistry, 'team/app', 'v1', { username: 'janedoe', password: 'wrong' }));
      expect(result).toMatchObject({ outcome: 'unauthorized', status: 401, code: 'UNAUTHORIZED' });
    });

    it('when the tag is missing, then not-found (404 MANIFEST_UNKNOWN)', async () => {
      expect(await probe(at(basicRegistry, 'team/app', 'v9', jane))).toMatchObject({
        outcome: 'not-found',
        status: 404,
        code: 'MANIFEST_UNKNOWN',
      });
    });

    // distribution 2.8 names a missing repository asked by tag MANIFEST_UNKNOWN, like a missing tag (not NAME_UNKNOWN).
    it('when the repository is missing, then not-found (404 MANIFEST_UNKNOWN, as distribution 2.8 answers)', async () => {
      expect(await probe(at(basicRegistry, 'team/nothing', 'v1', jane))).toMatchObject({
        outcome: 'not-found',
        status: 404,
        code: 'MANIFEST_UNKNOWN',
      });
      expect(await probe(at(basicRegistry, 'team/nothing', basicImage.digest, jane))).toMatchObject({ outcome: 'not-found', status: 404 });
    });

    it('when the reference is the pushed digest, then pulls', async () => {
      expect(await probe(at(basicRegistry, 'team/app', basicImage.digest, jane))).toMatchObject({ outcome: 'pulls', status: 200 });
    });

    it('when anonymous on this private registry, then unauthorized', async () => {
      expect(await probe(at(basicRegistry, 'team/app', 'v1'))).toMatchObject({
        outcome: 'unauthorized',
        status: 401,
        code: 'UNAUTHORIZED',
      });
    });
  });

  describe('token auth, the realm granting pull on some repositories', () => {
    it('when the repository is granted, then pulls, with a token asked for repository:team/app:pull', async () => {
      const before = tokenServer.requests.length;
      expect(await probe(at(tokenRegistry, 'team/app', 'v1', jane))).toMatchObject({ outcome: 'pulls', status: 200 });
      expect(tokenServer.requests.slice(before).map((r) => r.query.scope)).toEqual([['repository:team/app:pull']]);
    });

    it('when another repository (that exists) is asked, then denied-or-not-found: distribution answers 401 UNAUTHORIZED, insufficient_scope', async () => {
      const result = await probe(at(tokenRegistry, 'team/other', 'v1', jane));
      expect(result).toMatchObject({ outcome: 'denied-or-not-found', status: 401, code: 'UNAUTHORIZED' });
    });

    it('when a repository not granted does not exist, then the same answer: the registry tells the two apart for nobody', async () => {
      const result = await probe(at(tokenRegistry, 'team/nowhere', 'v1', jane));
      expect(result).toMatchObject({ outcome: 'denied-or-not-found', status: 401, code: 'UNAUTHORIZED' });
    });

    it('when a granted repository does not exist, then not-found (404 MANIFEST_UNKNOWN)', async () => {
      expect(await probe(at(tokenRegistry, 'team/gone', 'v1', jane))).toMatchObject({
        outcome: 'not-found',
        status: 404,
        code: 'MANIFEST_UNKNOWN',
      });
    });

    it('when the password is wrong, then unauthorized by the token service', async () => {
      const result = await probe(at(tokenRegistry, 'team/app', 'v1', { username: 'janedoe', password: 'wrong' }));
      expect(result).toMatchObject({ outcome: 'unauthorized', status: 401 });
      expect(result.detail).toContain('token service');
    });

    it('when anonymous and the realm allows anonymous pull of the repository, then pulls', async () => {
      expect(await probe(at(tokenRegistry, 'public/tool', 'v1'))).toMatchObject({ outcome: 'pulls', status: 200 });
    });

    it('when anonymous on a repository the realm keeps private, then denied-or-not-found', async () => {
      expect(await probe(at(tokenRegistry, 'team/app', 'v1'))).toMatchObject({ outcome: 'denied-or-not-found', status: 401 });
    });
  });

  it('when the same probe is asked again, then the answer comes from the cache and no registry call is made', async () => {
    const transport = counting();
    const cached = createRegistryProbe({ ...settings(), transport });
    const first = await cached.probe(at(tokenRegistry, 'team/app', 'v1', jane));
    const sent = transport.sent;
    expect(await cached.probe(at(tokenRegistry, 'team/app', 'v1', jane))).toEqual(first);
    expect(transport.sent).toBe(sent);
    await cached.probe(at(tokenRegistry, 'team/app', 'v1', { username: 'janedoe', password: 'wrong' }));
    expect(transport.sent).toBeGreaterThan(sent);
  });

  it('never shows the password or what the registry wrote beside its codes', () => {
    expect(results.length).toBeGreaterThan(10);
    for (const result of results) {
      const text = JSON.stringify(result);
      expect(text).not.toContain(PASSWORD);
      for (const message of REGISTRY_MESSAGES) expect(text.toLowerCase()).not.toContain(message);
    }
  });

  it('when the registry is down (stopped), then unreachable', async () => {
    await basicRegistry.stop();
    const result = await probe(at(basicRegistry, 'team/app', 'v1', jane));
    expect(result).toMatchObject({ outcome: 'unreachable', detail: expect.stringContaining('ECONNREFUSED') });
  });
});
