import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderDockerConfigJson } from '../../src/domain/docker-config/render-docker-config.js';
import {
  adminKubeConfig,
  createSecretDirectly,
  createTestNamespace,
  kitSuiteTitle,
  realClusterAvailable,
} from '../support/real-cluster.js';
import {
  describeWithPullClient,
  startTokenRegistry,
  startTokenServer,
  stopTestServers,
  type TestRegistry,
  type TokenServer,
} from '../support/registries.js';
import { skopeoInspect } from '../support/skopeo.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';
import { pushTestImage, type PushedImage } from '../support/test-image.js';

// Proves the harness the cloud-source end-to-end tests stand on: a token-auth docker-registry whose
// realm accepts exactly what a fake cloud minted and still holds live, an image in it, and skopeo
// pulling it with a pull secret's `.dockerconfigjson` as its auth file.

const REPOSITORY = 'team/app';
const SERVICE = 'regcred-test-cloud-registry';
// ECR's pull secrets name the user AWS; the password is the minted token.
const minted = { username: 'AWS', password: `minted-${randomBytes(24).toString('base64url')}` };
const uploader = { username: 'uploader', password: randomBytes(16).toString('hex') };

describeWithPullClient('a real pull: skopeo with a pull secret against a token-auth docker-registry', () => {
  let dir: string;
  let ca: TestCa;
  let tokens: TokenServer;
  let registry: TestRegistry;
  let image: PushedImage;
  // What the fake cloud holds live: the token realm asks on every token request.
  let live = true;
  const authfileFor = (password: string) => renderDockerConfigJson([{ server: registry.host, username: minted.username, password }]);
  const pull = (authfile: string) => skopeoInspect({ authfile, image: image.reference, ca });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'regcred-real-pull-'));
    ca = createTestCa(dir);
    tokens = await startTokenServer({
      users: { [uploader.username]: uploader.password },
      accept: (username, password) => live && username === minted.username && password === minted.password,
      grants: { [minted.username]: [REPOSITORY] },
      pushGrants: { [uploader.username]: [REPOSITORY] },
      ca,
      service: SERVICE,
    });
    registry = await startTokenRegistry({ tokenServer: tokens, ca });
    image = await pushTestImage(registry, { repository: REPOSITORY, tag: '1.0', credentials: uploader });
  });
  afterEach(() => {
    live = true;
  });
  afterAll(async () => {
    await stopTestServers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the auth file holds what the cloud minted, then skopeo pulls the pushed image, through the token realm', async () => {
    const before = tokens.requests.length;
    const result = await pull(authfileFor(minted.password));
    expect(result, result.stderrTail).toMatchObject({ ok: true, digest: image.digest });
    const asked = tokens.requests.slice(before).filter((r) => r.user === minted.username);
    expect(asked.map((r) => r.query.scope)).toContainEqual([`repository:${REPOSITORY}:pull`]);
  });

  it('when the password is wrong, then the pull is refused, and the password appears nowhere in what is reported', async () => {
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    const result = await pull(authfileFor(wrong));
    expect(result.ok).toBe(false);
    expect(result.digest).toBeUndefined();
    // The token realm's refusal, as skopeo relays it.
    expect(result.stderrTail).toContain('incorrect username or password');
    expect(result.stderrTail).not.toContain(wrong);
  });

  it('when the cloud stops accepting the minted pair (expiry), then the same auth file is refused; accepted again, it pulls', async () => {
    const authfile = authfileFor(minted.password);
    live = false;
    expect(await pull(authfile)).toMatchObject({ ok: false, stderrTail: expect.stringContaining('incorrect username or password') });
    live = true;
    expect(await pull(authfile)).toMatchObject({ ok: true, digest: image.digest });
  });

  it('when the minted pair tries to push, then the realm grants it no push: pull secrets pull, only the uploader writes', async () => {
    await expect(pushTestImage(registry, { repository: REPOSITORY, tag: 'pushed-by-a-puller', credentials: minted })).rejects.toThrow(
      /cannot start a blob upload to team\/app: 401/,
    );
  });

  it("when the client does not trust the registry's CA, then the pull fails on TLS (skopeo verifies the certificate)", async () => {
    const result = await skopeoInspect({ authfile: authfileFor(minted.password), image: image.reference });
    expect(result.ok).toBe(false);
    expect(result.stderrTail).toMatch(/certificate/i);
  });

  describe.skipIf(!realClusterAvailable())(kitSuiteTitle('a pull secret stored in a real kube-apiserver'), () => {
    it('when a kubernetes.io/dockerconfigjson Secret is read back through the API, then its decoded .dockerconfigjson pulls', async () => {
      const namespace = await createTestNamespace('real-pull');
      try {
        await createSecretDirectly({
          namespace: namespace.name,
          name: 'regcred',
          type: 'kubernetes.io/dockerconfigjson',
          labels: {},
          annotations: {},
          data: { '.dockerconfigjson': Buffer.from(authfileFor(minted.password)).toString('base64') },
        });
        const stored = await adminKubeConfig()
          .makeApiClient(CoreV1Api)
          .readNamespacedSecret({ namespace: namespace.name, name: 'regcred' });
        const authfile = Buffer.from(stored.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8');
        expect(await pull(authfile)).toMatchObject({ ok: true, digest: image.digest });
      } finally {
        await namespace.remove();
      }
    });
  });
});
