import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyConfig } from '../../src/config.js';
import { matchImages } from '../../src/domain/match/match-images.js';
import { registryPortsFromConfig } from '../../src/registry/registry-ports.js';
import { kitArena, type ClusterArena } from '../support/cluster-arena.js';
import { authOf, base64 } from '../support/docker-config-samples.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { adminKubeConfig, kitSuiteTitle, realClusterAvailable, uniqueName } from '../support/real-cluster.js';
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
import { buildTestApp, type TestApp } from '../support/test-app.js';

// "Will it pull?" end to end, each verdict for real: the shared kit's API server (a fresh namespace
// per case, ServiceAccounts, Secrets and Pods made here, container states set through /status) and
// Debian's docker-registry (distribution 2.8) twice: htpasswd Basic auth, and token auth behind a realm
// that grants janedoe pull on some repositories only and anyone pull on public/tool. regcred is the
// app with the real probe (registryPortsFromConfig: the test CA trusted, loopback allowed).

const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const jane = { username: 'janedoe', password: CANARY };
const uploader = { username: 'uploader', password: randomBytes(16).toString('hex') };

interface ContainerAnswer {
  name: string;
  verdict: string;
  fix: string;
  secrets: Array<{ name: string; state: string }>;
  tried: Array<{ secret: string; server: string; username: string; result: { outcome: string; status?: number; code?: string } }>;
  anonymous?: { outcome: string; status?: number };
  notes: string[];
}
interface WorkloadAnswer {
  kind: string;
  name: string;
  willPull: boolean;
  pullSecrets: string[];
  containers: ContainerAnswer[];
}

describeWithRegistry(kitSuiteTitle('will it pull, for real: the kit and distribution 2.8 (Basic and token auth)'), () => {
  describe.skipIf(!realClusterAvailable())('every verdict, reproduced', () => {
    let dir: string;
    let ca: TestCa;
    let tokenServer: TokenServer;
    let basic: TestRegistry;
    let token: TestRegistry;
    let forbidding: TestRegistry;
    let down: TestRegistry;
    let pushed: PushedImage;
    let arena: ClusterArena;
    let test: TestApp;
    const answers: string[] = [];
    const core = () => adminKubeConfig().makeApiClient(CoreV1Api);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'regcred-pullcheck-real-'));
      ca = createTestCa(dir);
      tokenServer = await startTokenServer({
        users: { janedoe: CANARY, [uploader.username]: uploader.password },
        grants: { janedoe: ['team/app'] },
        pushGrants: { [uploader.username]: ['team/app', 'team/other', 'public/tool'] },
        anonymousGrants: ['public/tool'],
        ca,
        service: 'regcred-pullcheck-real',
      });
      const forbiddingRealm = await startTokenServer({
        users: { janedoe: CANARY },
        grants: { janedoe: ['team/app'] },
        forbidUngranted: true,
        ca,
        service: 'regcred-pullcheck-real-403',
      });
      [basic, token, forbidding, down, arena] = await Promise.all([
        startHtpasswdRegistry({ users: { janedoe: CANARY }, ca }),
        startTokenRegistry({ tokenServer, ca }),
        startTokenRegistry({ tokenServer: forbiddingRealm, ca }),
        startHtpasswdRegistry({ users: { janedoe: CANARY }, ca }),
        kitArena(),
      ]);
      [pushed] = await Promise.all([
        pushTestImage(basic, { repository: 'team/app', tag: 'v1', credentials: jane }),
        ...['team/app', 'team/other', 'public/tool'].map((repository) =>
          pushTestImage(token, { repository, tag: 'v1', credentials: uploader }),
        ),
      ]);
      await down.stop();
      const verify: VerifyConfig = {
        caFile: ca.caFile,
        insecureHosts: [],
        allowPrivate: true,
        timeoutMs: 3000,
        concurrency: 8,
        requestShare: 8,
        maxWaiting: 1000,
      };
      const { probe, verifier } = registryPortsFromConfig(verify);
      test = buildTestApp({ cluster: arena.cluster, probe, verifier, config: { verify } });
    });
    afterAll(async () => {
      await stopTestServers();
      await arena?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A fresh namespace with a ServiceAccount `default` linking `links`. */
    async function freshNamespace(links: string[] = []): Promise<string> {
      const namespace = uniqueName('pullcheck-real');
      await arena.createNamespace(namespace);
      await arena.seedServiceAccount({ namespace, name: 'default', imagePullSecrets: links, automountServiceAccountToken: false });
      return namespace;
    }
    /** A kubernetes.io/dockerconfigjson Secret, one login per server. */
    async function pullSecret(namespace: string, name: string, logins: Record<string, { username: string; password: string }>) {
      const auths = Object.fromEntries(Object.entries(logins).map(([server, l]) => [server, { auth: authOf(l.username, l.password) }]));
      const data = { '.dockerconfigjson': base64(JSON.stringify({ auths })) };
      await arena.seedSecret({ namespace, name, type: 'kubernetes.io/dockerconfigjson', labels: {}, annotations: {}, data });
    }
    const podManifest = (image: string, spec: Record<string, unknown> = {}) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api' },
      spec: { containers: [{ name: 'api', image }], ...spec },
    });
    const listing = (...names: string[]) => ({ imagePullSecrets: names.map((name) => ({ name })) });
    const kept = (res: request.Response) => {
      answers.push(res.text);
      expectMatchesContract(res);
      return res;
    };
    /** POSTs manifests (or {"pod"}) and answers the first workload's first container. */
    async function check(namespace: string, body: object) {
      const res = kept(await request(test.app).post(`/v1/namespaces/${namespace}/pullcheck`).send(body));
      expect(res.status).toBe(200);
      const workload = res.body.workloads[0] as WorkloadAnswer;
      return { workload, container: workload.containers[0] };
    }

    it('secret-missing: the ServiceAccount links a pull secret that does not exist; the fix names it and the ServiceAccount', async () => {
      const namespace = await freshNamespace(['regcred']);
      const { workload, container } = await check(namespace, podManifest(`${basic.host}/team/app:v1`));
      expect(workload).toMatchObject({ pullSecrets: ['regcred'], willPull: false });
      expect(container).toMatchObject({ verdict: 'secret-missing', secrets: [{ name: 'regcred', state: 'missing' }], tried: [] });
      // Nothing matched, so the kubelet pulls anonymously, and this registry refuses that.
      expect(container.anonymous).toMatchObject({ outcome: 'unauthorized', status: 401 });
      expect(container.fix).toBe(
        `create pull secret "regcred" in namespace "${namespace}" with credentials for ${basic.host}, or unlink it from ServiceAccount "default"`,
      );
    });

    it('not-linked: a working pull secret exists in the namespace, but nothing lists it', async () => {
      const namespace = await freshNamespace();
      await pullSecret(namespace, 'regcred', { [basic.host]: jane });
      const { container } = await check(namespace, podManifest(`${basic.host}/team/app:v1`));
      expect(container).toMatchObject({ verdict: 'not-linked', tried: [], anonymous: { outcome: 'unauthorized' } });
      expect(container.fix).toBe('link secret "regcred" to ServiceAccount "default", or add it to the Pod template\'s imagePullSecrets');
    });

    it('not-linked, "re-create the Pod": the secret was linked to the ServiceAccount after the Pod was admitted', async () => {
      const namespace = await freshNamespace();
      await pullSecret(namespace, 'regcred', { [basic.host]: jane });
      await arena.createPod({
        namespace,
        name: 'api',
        containers: [{ kind: 'container', name: 'api', image: `${basic.host}/team/app:v1` }],
      });
      await arena.setContainerStates(namespace, 'api', [{ name: 'api', waiting: 'ErrImagePull' }]);
      await core().patchNamespacedServiceAccount({
        namespace,
        name: 'default',
        body: [{ op: 'add', path: '/imagePullSecrets', value: [{ name: 'regcred' }] }],
      });
      const { workload, container } = await check(namespace, { pod: 'api' });
      // As admitted: the Pod has no pull secret; its ServiceAccount has one now.
      expect(workload.pullSecrets).toEqual([]);
      expect(container.verdict).toBe('not-linked');
      expect(container.fix).toBe('re-create the Pod: it was admitted before its ServiceAccount linked "regcred"');
      // A Pod created now gets it, and pulls.
      const fresh = await check(namespace, podManifest(`${basic.host}/team/app:v1`));
      expect(fresh.container).toMatchObject({ verdict: 'pulls', tried: [{ secret: 'regcred', username: 'janedoe' }] });
    });

    it('unauthorized: a wrong password (Basic, 401 UNAUTHORIZED); the fix names the user and the secret; the GET scan finds the Pod in ImagePullBackOff with that verdict', async () => {
      const namespace = await freshNamespace(['regcred']);
      await pullSecret(namespace, 'regcred', { [basic.host]: { username: 'janedoe', password: 'not-the-password' } });
      const image = `${basic.host}/team/app:v1`;
      const { container } = await check(namespace, podManifest(image));
      expect(container).toMatchObject({
        verdict: 'unauthorized',
        tried: [
          {
            secret: 'regcred',
            server: basic.host,
            username: 'janedoe',
            result: { outcome: 'unauthorized', status: 401, code: 'UNAUTHORIZED' },
          },
        ],
      });
      expect(container.fix).toBe(
        `renew the credential of user "janedoe" in secret "regcred": ${basic.host} refused it (wrong password or expired token)`,
      );

      await arena.createPod({ namespace, name: 'stuck', containers: [{ kind: 'container', name: 'api', image }] });
      await arena.createPod({ namespace, name: 'fine' });
      await arena.setContainerStates(namespace, 'stuck', [{ name: 'api', waiting: 'ImagePullBackOff' }]);
      await arena.setContainerStates(namespace, 'fine', []);
      const scan = kept(await request(test.app).get(`/v1/namespaces/${namespace}/pullcheck`));
      expect(scan.status).toBe(200);
      expect(scan.body).toMatchObject({
        scanned: 2,
        pods: [{ name: 'stuck', pullSecrets: ['regcred'], waiting: [{ name: 'api', reason: 'ImagePullBackOff' }] }],
      });
      expect(scan.body.pods).toHaveLength(1);
      expect(scan.body.pods[0].containers).toEqual([expect.objectContaining({ name: 'api', verdict: 'unauthorized', fix: container.fix })]);
    });

    it('denied-or-not-found: a valid token login, a repository the realm does not grant (distribution 2.8 answers 401 insufficient_scope, as for a missing one)', async () => {
      const namespace = await freshNamespace(['regcred']);
      await pullSecret(namespace, 'regcred', { [token.host]: jane });
      const { container } = await check(namespace, podManifest(`${token.host}/team/other:v1`));
      expect(container).toMatchObject({
        verdict: 'denied-or-not-found',
        tried: [{ secret: 'regcred', username: 'janedoe', result: { outcome: 'denied-or-not-found', status: 401, code: 'UNAUTHORIZED' } }],
      });
      expect(container.fix).toBe(
        `check that ${token.host}/team/other:v1 exists and that the credential in secret "regcred" may pull it: ${token.host} answers both alike`,
      );
      // The granted repository pulls with the same secret: the login itself is good.
      expect((await check(namespace, podManifest(`${token.host}/team/app:v1`))).container.verdict).toBe('pulls');
    });

    it('denied: a realm that answers 403 to a good login asking for a repository it may not pull; the fix names the user, the secret and the repository', async () => {
      const namespace = await freshNamespace(['regcred']);
      await pullSecret(namespace, 'regcred', { [forbidding.host]: jane });
      const { container } = await check(namespace, podManifest(`${forbidding.host}/team/other:v1`));
      expect(container).toMatchObject({
        verdict: 'denied',
        tried: [{ secret: 'regcred', username: 'janedoe', result: { outcome: 'denied', status: 403 } }],
      });
      expect(container.fix).toBe(
        `grant user "janedoe" (secret "regcred") pull access to ${forbidding.host}/team/other, or use a credential that has it`,
      );
    });

    it('not-found: a tag that was never pushed (404 MANIFEST_UNKNOWN); the fix names the image', async () => {
      const namespace = await freshNamespace(['regcred']);
      await pullSecret(namespace, 'regcred', { [basic.host]: jane });
      const { container } = await check(namespace, podManifest(`${basic.host}/team/app:v9`));
      expect(container).toMatchObject({
        verdict: 'not-found',
        tried: [{ result: { outcome: 'not-found', status: 404, code: 'MANIFEST_UNKNOWN' } }],
      });
      expect(container.fix).toBe(`check the image name and tag: ${basic.host} has no ${basic.host}/team/app:v9`);
    });

    it('pulls: a digest reference, as pushed; the note says a node that has it does not pull', async () => {
      const namespace = await freshNamespace(['regcred']);
      await pullSecret(namespace, 'regcred', { [basic.host]: jane });
      const { workload, container } = await check(namespace, podManifest(`${basic.host}/team/app@${pushed.digest}`));
      expect(container).toMatchObject({
        verdict: 'pulls',
        reference: `${basic.host}/team/app@${pushed.digest}`,
        pullPolicy: 'IfNotPresent',
        tried: [{ secret: 'regcred', result: { outcome: 'pulls', status: 200 } }],
      });
      expect(container.notes.join(' ')).toContain('a node that already has it does not pull it');
      expect(workload.willPull).toBe(true);
    });

    it('pulls-anonymously: no secret matches, and the realm gives anyone pull on public/tool', async () => {
      const namespace = await freshNamespace();
      const { container, workload } = await check(namespace, podManifest(`${token.host}/public/tool:v1`));
      expect(container).toMatchObject({ verdict: 'pulls-anonymously', tried: [], anonymous: { outcome: 'pulls', status: 200 } });
      expect(workload.willPull).toBe(true);
      // The same registry keeps team/app to those it grants: anonymous is refused there.
      expect((await check(namespace, podManifest(`${token.host}/team/app:v1`))).container.verdict).toBe('no-credential');
    });

    it('registry-unreachable: the registry is stopped; the fix names its host', async () => {
      const namespace = await freshNamespace(['regcred']);
      await pullSecret(namespace, 'regcred', { [down.host]: jane });
      const { container } = await check(namespace, podManifest(`${down.host}/team/app:v1`));
      expect(container).toMatchObject({
        verdict: 'registry-unreachable',
        tried: [{ secret: 'regcred', result: { outcome: 'unreachable' } }],
      });
      expect(container.fix).toMatch(new RegExp(`^check that ${down.host} is reachable from the cluster's nodes .*ECONNREFUSED`));
    });

    it('invalid-image: an image the kubelet rejects (upper case in the repository); nothing is asked of a registry', async () => {
      const namespace = await freshNamespace();
      const { container } = await check(namespace, podManifest(`${basic.host}/Team/App:v1`));
      expect(container).toMatchObject({ verdict: 'invalid-image', tried: [] });
      expect(container.anonymous).toBeUndefined();
      expect(container.fix).toContain(`fix the image reference "${basic.host}/Team/App:v1"`);
    });

    it('no-serviceaccount: a Deployment not yet created names a ServiceAccount the namespace lacks', async () => {
      const namespace = await freshNamespace(['regcred']);
      await pullSecret(namespace, 'regcred', { [basic.host]: jane });
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api' },
        spec: { template: { spec: { serviceAccountName: 'builder', containers: [{ name: 'api', image: `${basic.host}/team/app:v1` }] } } },
      };
      const { container } = await check(namespace, deployment);
      expect(container.verdict).toBe('no-serviceaccount');
      expect(container.fix).toBe(
        `create ServiceAccount "builder" in namespace "${namespace}", or set serviceAccountName to one that exists`,
      );
    });

    it('two secrets match, the more specific path first (as the kubelet orders them, whatever the Pod lists): the first is refused, the second pulls', async () => {
      const namespace = await freshNamespace();
      const narrowServer = `${basic.host}/team/app`;
      await pullSecret(namespace, 'broad', { [basic.host]: jane });
      await pullSecret(namespace, 'narrow', { [narrowServer]: { username: 'janedoe', password: 'stale-password' } });
      const image = `${basic.host}/team/app:v1`;
      const { container } = await check(namespace, podManifest(image, listing('broad', 'narrow')));
      expect(container.verdict).toBe('pulls');
      expect(container.tried.map((t) => [t.secret, t.server, t.username, t.result.outcome])).toEqual([
        ['narrow', narrowServer, 'janedoe', 'unauthorized'],
        ['broad', basic.host, 'janedoe', 'pulls'],
      ]);
      // The order is the match simulator's, which the kubelet's own keyring test vectors pin (test/domain/kubelet, test/domain/pullcheck).
      const secrets = await Promise.all(['broad', 'narrow'].map(async (name) => (await arena.cluster.readSecret(namespace, name))!));
      const simulated = matchImages([image], { secrets }).images[0].entries;
      expect(container.tried.map((t) => [t.secret, t.server])).toEqual(simulated.map((e) => [e.secret, e.server]));
    });

    const TEMPLATE = (image: string) => ({ spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image }] } });
    it.each([
      ['Deployment', 'apps/v1', (image: string) => ({ template: TEMPLATE(image) })],
      ['StatefulSet', 'apps/v1', (image: string) => ({ serviceName: 's', template: TEMPLATE(image) })],
      ['DaemonSet', 'apps/v1', (image: string) => ({ template: TEMPLATE(image) })],
      ['ReplicaSet', 'apps/v1', (image: string) => ({ template: TEMPLATE(image) })],
      ['Job', 'batch/v1', (image: string) => ({ template: TEMPLATE(image) })],
      ['CronJob', 'batch/v1beta1', (image: string) => ({ schedule: '@daily', jobTemplate: { spec: { template: TEMPLATE(image) } } })],
    ])('a %s resolves its Pod template: its own pull secret is tried and pulls', async (kind, apiVersion, spec) => {
      const namespace = await freshNamespace();
      await pullSecret(namespace, 'regcred', { [basic.host]: jane });
      const { workload, container } = await check(namespace, {
        apiVersion,
        kind,
        metadata: { name: 'w' },
        spec: spec(`${basic.host}/team/app:v1`),
      });
      expect(workload).toMatchObject({ kind, name: 'w', pullSecrets: ['regcred'], willPull: true });
      expect(container).toMatchObject({ name: 'app', verdict: 'pulls', tried: [{ secret: 'regcred', username: 'janedoe' }] });
    });

    it('never shows the canary password, or its base64 auth, in any answer or log line', () => {
      expect(answers.length).toBeGreaterThan(15);
      const encoded = authOf('janedoe', CANARY);
      for (const text of [...answers, ...test.logLines]) {
        expect(text).not.toContain(CANARY);
        expect(text).not.toContain(encoded);
      }
    });
  });
});
