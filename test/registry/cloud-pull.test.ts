import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOGLE_USERNAME } from '../../src/domain/credentials/cloud-source.js';
import { DISTRIBUTION_SOURCE_LABEL } from '../../src/domain/distributions/distribution.js';
import { startFakeAws, type FakeAws } from '../support/cloud/fake-aws.js';
import { startFakeGoogle, type FakeGoogle } from '../support/cloud/fake-google.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { eventually } from '../support/poll.js';
import { adminKubeConfig, kitKubeconfigPath, kitSuiteTitle, realClusterAvailable, uniqueName } from '../support/real-cluster.js';
import { KitObjects, startReplica, type Replica } from '../support/regcred-replicas.js';
import {
  describeWithPullClient,
  startTokenRegistry,
  startTokenServer,
  stopTestServers,
  type TestRegistry,
  type TokenServer,
} from '../support/registries.js';
import { killServices } from '../support/service-process.js';
import { skopeoInspect, type SkopeoInspection } from '../support/skopeo.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';
import { pushTestImage, type PushedImage } from '../support/test-image.js';
import { CopyReader, type Copy } from '../support/copy-reader.js';

// The end-to-end proof of a cloud-sourced distribution, with real parts only: regcred as a process on
// the kit, minting from a fake AWS (STS and ECR on the wire) with an IRSA identity; a real
// docker-registry whose token realm takes exactly what the fake minted while it lives; skopeo pulling
// with a copy read back from the API server. Tokens live seconds, so the renewal, a failure past
// expiry and the recovery all happen for real, while a reader watches that no copy ever goes missing.
// Then an Artifact Registry source minted from a fake GKE metadata server, through the same registry.

const LIFETIME_S = 7;
const ACCOUNT = '111122223333';
const REPOSITORY = 'team/app';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/regcred-ecr-pull`;
const WEB_IDENTITY_TOKEN = `projected-sa-token-${randomBytes(12).toString('hex')}`;
// Planted in the cloud's refusal: it must not reach a log, an answer or an Event either.
const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const uploader = { username: 'uploader', password: randomBytes(16).toString('hex') };
const WAIT = { timeoutMs: 30_000, intervalMs: 100 };

interface Answered {
  status: number;
  text: string;
  body: { status?: { conditions?: { type: string; status: string; reason: string }[] } };
}

describeWithPullClient('a cloud-sourced distribution pulls for real (fake AWS, docker-registry, skopeo)', () => {
  describe.skipIf(!realClusterAvailable())(kitSuiteTitle('regcred on a real kube-apiserver, through a rotation and an expiry'), () => {
    let dir: string;
    let ca: TestCa;
    let aws: FakeAws;
    let google: FakeGoogle;
    let tokens: TokenServer;
    let registry: TestRegistry;
    let image: PushedImage;
    let kit: KitObjects;
    let regcred: Replica;
    let reader: CopyReader;
    const answers: string[] = [];
    const name = uniqueName('cloud-pull');
    const garName = uniqueName('cloud-pull-gar');
    const own = uniqueName('regcred-own');
    const targets = [1, 2, 3].map(() => uniqueName('cloud-pull-ns'));
    const garTarget = uniqueName('cloud-pull-gar-ns');

    const api = async (method: 'GET' | 'PUT' | 'DELETE', body?: object, distribution = name): Promise<Answered> => {
      const res = await fetch(`${regcred.url}/v1/distributions/${distribution}`, {
        method,
        headers: { Authorization: `Bearer ${regcred.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      answers.push(text);
      return { status: res.status, text, body: text ? (JSON.parse(text) as Answered['body']) : {} };
    };
    const ready = async (distribution = name) =>
      (await api('GET', undefined, distribution)).body.status?.conditions?.find((c) => c.type === 'Ready');
    const pull = (copy: Copy | undefined): Promise<SkopeoInspection> =>
      skopeoInspect({ authfile: copy?.dockerConfigJson ?? '{}', image: image.reference, ca });
    const minted = () => aws.minted().map((t) => t.password);
    const mintedByGoogle = () => google.minted().map((t) => t.token);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'regcred-cloud-pull-'));
      ca = createTestCa(dir);
      // The registry's host comes from ECR's answer, as from the real one: its proxyEndpoint.
      aws = await startFakeAws({ tokenLifetimeSeconds: LIFETIME_S, proxyEndpoint: () => registry.url });
      google = await startFakeGoogle({ tokenLifetimeSeconds: 3600 });
      tokens = await startTokenServer({
        users: { [uploader.username]: uploader.password },
        // Each cloud's registry takes exactly what that cloud minted, while it lives.
        accept: (username, password) =>
          (username === 'AWS' && aws.isLive(password)) || (username === GOOGLE_USERNAME && google.isLive(password)),
        grants: { AWS: [REPOSITORY], [GOOGLE_USERNAME]: [REPOSITORY] },
        pushGrants: { [uploader.username]: [REPOSITORY] },
        ca,
        service: 'regcred-test-ecr',
      });
      registry = await startTokenRegistry({ tokenServer: tokens, ca });
      image = await pushTestImage(registry, { repository: REPOSITORY, tag: '1.0', credentials: uploader });

      const kubeconfig = kitKubeconfigPath();
      kit = new KitObjects(adminKubeConfig());
      await applyDistributionCrd(kubeconfig);
      await kit.createNamespaces([own, ...targets, garTarget]);
      const tokenFile = join(dir, 'web-identity-token');
      writeFileSync(tokenFile, WEB_IDENTITY_TOKEN, { mode: 0o600 });
      regcred = await startReplica(kubeconfig, own, {
        REGCRED_CONTROLLER: 'on',
        REGCRED_CLOUD_ALLOW: `ecr:${ACCOUNT}:*,gar:127.0.0.1:*`,
        REGCRED_LEASE_DURATION_SECONDS: '3',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_ECR: aws.url,
        AWS_ENDPOINT_URL_STS: aws.url,
        AWS_ROLE_ARN: ROLE_ARN,
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
        // Google's Application Default Credentials find "the GKE metadata server": the fake.
        GCE_METADATA_HOST: google.metadataHost,
        METADATA_SERVER_DETECTION: 'ping-only',
      });
      reader = new CopyReader(kit.core, targets, 'regcred', registry.host);
    }, 90_000);

    afterAll(async () => {
      await reader?.stop();
      await regcred?.kill();
      killServices();
      await kit?.cleanup();
      await stopTestServers();
      rmSync(dir, { recursive: true, force: true });
    }, 90_000);

    it('when a distribution mints from ECR, then every copy pulls; it is renewed before expiry, and after a failure past expiry it recovers, with no copy ever missing', async () => {
      // 1. The first mint: regcred's IRSA identity at STS, then ECR; the copies pull the pushed image.
      const put = await api('PUT', { ecr: { region: 'eu-west-1', registryIds: [ACCOUNT] }, namespaces: targets });
      kit.track(name);
      expect(put.status, put.text).toBe(201);
      expect(put.body).toMatchObject({ source: { namespace: own, secretName: `distribution-${name}` } });
      await eventually(async () => {
        expect(minted()).toHaveLength(1);
        const copies = await reader.readAll();
        expect(copies.map((c) => reader.passwordOf(c))).toEqual(targets.map(() => minted()[0]));
      }, WAIT);
      const [first] = aws.minted();
      expect(aws.calls.find((c) => c.service === 'sts')).toMatchObject({
        action: 'AssumeRoleWithWebIdentity',
        form: { WebIdentityToken: WEB_IDENTITY_TOKEN, RoleArn: ROLE_ARN },
      });
      expect(aws.calls.find((c) => c.service === 'ecr')).toMatchObject({ registryIds: [ACCOUNT], scope: { region: 'eu-west-1' } });
      const [firstCopy] = await reader.readAll();
      expect(Object.keys(JSON.parse(firstCopy!.dockerConfigJson).auths)).toEqual([registry.host]);
      const firstPull = await pull(firstCopy);
      expect(firstPull, firstPull.stderrTail).toMatchObject({ ok: true, digest: image.digest });

      // 2. From here on, every copy is read every 50 ms until the end.
      reader.start();

      // 3. The renewal: a second token, in every copy while the first still lives.
      await eventually(async () => expect(aws.minted().length).toBeGreaterThanOrEqual(2), WAIT);
      const second = aws.minted()[1];
      const allCarry = await eventually(async () => {
        const at = reader.allCarriedSince(second.password);
        expect(at).toBeDefined();
        return at!;
      }, WAIT);
      const lead = (first.expiresAt.getTime() - allCarry) / (LIFETIME_S * 1000);
      console.info(`cloud-pull: every copy carried the renewed token with ${(lead * 100).toFixed(1)} % of the old one's lifetime left`);
      expect(lead).toBeGreaterThanOrEqual(0.3);
      const renewedPull = await pull((await reader.readAll())[1]);
      expect(renewedPull, renewedPull.stderrTail).toMatchObject({ ok: true, digest: image.digest });

      // 4. ECR refuses every call from now on: RefreshFailed while the token lives, then TokenExpired; the copies stay.
      aws.failNext('ecr', { times: 100_000, status: 400, code: 'AccessDeniedException', message: `User ${CANARY} is not authorized` });
      const mintedBeforeFailure = aws.minted().length;
      const reasons: string[] = [];
      await eventually(async () => {
        const condition = await ready();
        if (condition && reasons.at(-1) !== condition.reason) reasons.push(condition.reason);
        expect(condition).toMatchObject({ status: 'False', reason: 'TokenExpired' });
      }, WAIT);
      expect(reasons.indexOf('RefreshFailed')).toBeGreaterThanOrEqual(0);
      expect(reasons.indexOf('RefreshFailed')).toBeLessThan(reasons.indexOf('TokenExpired'));
      const expiredCopies = await reader.readAll();
      expect(expiredCopies.every((c) => c !== undefined)).toBe(true);
      expect(aws.minted().length).toBe(mintedBeforeFailure);
      const expired = reader.passwordOf(expiredCopies[2]);
      expect(aws.isLive(expired)).toBe(false);
      const refused = await pull(expiredCopies[2]);
      expect(refused.ok).toBe(false);
      expect(refused.stderrTail).toContain('incorrect username or password');

      // 5. ECR answers again: a new token reaches every copy, it pulls, and the distribution is Ready again.
      aws.recover('ecr');
      await eventually(async () => {
        expect(aws.minted().length).toBeGreaterThan(mintedBeforeFailure);
        const latest = minted().at(-1);
        expect((await reader.readAll()).map((c) => reader.passwordOf(c))).toEqual(targets.map(() => latest));
      }, WAIT);
      const recovered = await pull((await reader.readAll())[0]);
      expect(recovered, recovered.stderrTail).toMatchObject({ ok: true, digest: image.digest });
      await eventually(async () => expect(await ready()).toMatchObject({ status: 'True', reason: 'Refreshed' }), WAIT);

      await reader.stop();
      console.info(`cloud-pull: ${reader.reads} copy reads, ${reader.problems.length} problems, ${reader.readErrors} read errors`);
      expect(reader.problems, reader.problems.slice(0, 5).join('\n')).toEqual([]);
      expect(reader.reads).toBeGreaterThan(100);
    }, 120_000);

    it('when a distribution mints for Artifact Registry from the metadata server, then its copy pulls', async () => {
      const put = await api(
        'PUT',
        { googleArtifactRegistry: { hosts: [registry.host] }, namespaces: [garTarget], secretName: 'regcred-gar' },
        garName,
      );
      kit.track(garName);
      expect(put.status, put.text).toBe(201);
      const garReader = new CopyReader(kit.core, [garTarget], 'regcred-gar', registry.host);
      const [copy] = await eventually(async () => {
        expect(mintedByGoogle()).toHaveLength(1);
        const copies = await garReader.readAll();
        expect(copies.map((c) => garReader.passwordOf(c))).toEqual(mintedByGoogle());
        return copies;
      }, WAIT);
      expect(JSON.parse(copy!.dockerConfigJson).auths[registry.host]).toMatchObject({ username: GOOGLE_USERNAME });
      const pulled = await pull(copy);
      expect(pulled, pulled.stderrTail).toMatchObject({ ok: true, digest: image.digest });
      expect(google.calls.every((c) => c.metadataFlavor === 'Google')).toBe(true);
      await eventually(async () => expect(await ready(garName)).toMatchObject({ status: 'True', reason: 'Refreshed' }), WAIT);
    });

    it('when the minted tokens are searched for, then none is in regcred’s output, its answers or the Events about the distribution', async () => {
      const eventsOf = (distribution: string) =>
        kit.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${distribution}` });
      const events = await eventsOf(name);
      const eventText = JSON.stringify([...events.items, ...(await eventsOf(garName)).items].map((e) => [e.reason, e.message]));
      // The Ready condition changed (Refreshed, RefreshFailed, TokenExpired, Refreshed): Events said so.
      expect(events.items.length).toBeGreaterThan(0);
      console.info(`cloud-pull: Events about the distribution: ${events.items.map((e) => e.reason).join(', ')}`);
      const output = regcred.output();
      const basicOf = (username: string, password: string) => Buffer.from(`${username}:${password}`).toString('base64');
      const leaks = [
        ...minted(),
        ...minted().map((p) => basicOf('AWS', p)),
        ...mintedByGoogle(),
        ...mintedByGoogle().map((t) => basicOf(GOOGLE_USERNAME, t)),
        CANARY,
        WEB_IDENTITY_TOKEN,
      ];
      expect(minted().length).toBeGreaterThanOrEqual(3);
      expect(mintedByGoogle().length).toBeGreaterThanOrEqual(1);
      for (const secret of leaks) {
        expect(output.includes(secret), 'regcred printed a secret').toBe(false);
        expect(
          answers.some((a) => a.includes(secret)),
          'an answer carried a secret',
        ).toBe(false);
        expect(eventText.includes(secret), 'an Event carried a secret').toBe(false);
      }
    });

    it('when the distributions are deleted, then the controller removes every copy and the source Secrets', async () => {
      for (const distribution of [name, garName]) {
        const deleted = await api('DELETE', undefined, distribution);
        expect(deleted.status, deleted.text).toBeLessThan(300);
      }
      await eventually(async () => {
        expect(await reader.readAll()).toEqual(targets.map(() => undefined));
        expect(await kit.readSecret(garTarget, 'regcred-gar')).toBeUndefined();
        for (const distribution of [name, garName]) {
          expect(await kit.readSecret(own, `distribution-${distribution}`)).toBeUndefined();
          expect(await kit.readDistribution(distribution)).toBeUndefined();
        }
      }, WAIT);
      const left = await kit.core.listNamespacedSecret({ namespace: own, labelSelector: DISTRIBUTION_SOURCE_LABEL });
      expect(left.items.map((s) => s.metadata?.name)).toEqual([]);
    }, 60_000);
  });
});
