import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { Cluster } from '../../src/domain/cluster.js';
import type { ProbeResult, ProbeTarget } from '../../src/domain/pullcheck/pullcheck-model.js';
import { authOf, base64 } from '../support/docker-config-samples.js';
import { scriptedProbe, type FakeManifestProbe } from '../support/fake-manifest-probe.js';
import { expectMatchesContract } from '../support/openapi-contract.js';
import { buildTestApp } from '../support/test-app.js';

// The pull check's verdicts through HTTP on the embedded cluster, the registry scripted
// (scriptedProbe): per container `verdict`, `fix`, `tried` (in the kubelet's order) and `anonymous`.
// The same verdicts against real registries and a real API server: test/registry/pullcheck-real.test.ts.

const NS = 'team-a';
const HOST = 'registry.example.com';
const IMAGE = `${HOST}/team-a/api:1.4`;
const CANARY = `canary-${randomBytes(12).toString('hex')}`;

type Answer = Pick<ProbeResult, 'outcome' | 'status' | 'code'>;
const said = (answer: Answer): ProbeResult => ({ ...answer, detail: `the registry answered ${answer.outcome}` });
/** By default: a credential whose password is CANARY pulls, any other is refused, and an anonymous pull is refused. */
const byDefault = (target: ProbeTarget): ProbeResult =>
  said(
    target.credential?.password === CANARY
      ? { outcome: 'pulls', status: 200 }
      : { outcome: 'unauthorized', status: 401, code: 'UNAUTHORIZED' },
  );

interface Arrange {
  /** Secret name → its logins (server → [username, password]); type Opaque when the name starts with `opaque`. */
  secrets?: Record<string, Record<string, [string, string]>>;
  /** ServiceAccount name → the pull secrets it links (`default` with none unless given). */
  accounts?: Record<string, string[]>;
  answer?: (target: ProbeTarget) => ProbeResult;
}

function arrange({ secrets = {}, accounts = { default: [] }, answer = byDefault }: Arrange = {}) {
  const cluster = new MemoryCluster({ namespaces: ['default', NS] });
  for (const [name, imagePullSecrets] of Object.entries(accounts)) cluster.seedServiceAccount({ namespace: NS, name, imagePullSecrets });
  for (const [name, logins] of Object.entries(secrets)) {
    const auths = Object.fromEntries(Object.entries(logins).map(([server, [u, p]]) => [server, { auth: authOf(u, p) }]));
    const config = base64(JSON.stringify({ auths }));
    const opaque = name.startsWith('opaque');
    cluster.seedSecret({
      namespace: NS,
      name,
      type: opaque ? 'Opaque' : 'kubernetes.io/dockerconfigjson',
      labels: {},
      annotations: {},
      data: { [opaque ? 'config.json' : '.dockerconfigjson']: config },
    });
  }
  const probe = scriptedProbe(answer);
  return { ...buildTestApp({ cluster, probe }), cluster, probe };
}

interface ContainerAnswer {
  name: string;
  verdict: string;
  fix: string;
  secrets: Array<{ name: string; state: string }>;
  tried: Array<{ secret: string; server: string; username: string; result: { outcome: string; status?: number; code?: string } }>;
  anonymous?: { outcome: string };
  notes: string[];
}

const pod = (spec: { containers?: Array<{ name: string; image: string }>; [key: string]: unknown }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'api' },
  spec: { containers: [{ name: 'api', image: IMAGE }], ...spec },
});

/** POSTs the manifest, checks the answer against the contract and that no password is in it. */
async function check(app: ReturnType<typeof arrange>['app'], manifest: object) {
  const res = await request(app).post(`/v1/namespaces/${NS}/pullcheck`).send(manifest);
  expect(res.status).toBe(200);
  expectMatchesContract(res);
  expect(res.text).not.toContain(CANARY);
  expect(res.text).not.toContain(authOf('ci', CANARY));
  const workload = res.body.workloads[0] as { willPull: boolean; containers: ContainerAnswer[] };
  return { body: res.body as { willPull: boolean }, workload, container: workload.containers[0] };
}

const usernames = (probe: FakeManifestProbe) => probe.probes.map((p) => p.credential?.username ?? 'anonymous');

describe('POST /v1/namespaces/{namespace}/pullcheck: the verdicts, in their order of precedence', () => {
  it('invalid-image: an image reference the kubelet refuses (InvalidImageName); no registry is called', async () => {
    const { app, probe } = arrange();
    const { container, workload } = await check(app, pod({ containers: [{ name: 'api', image: `${HOST}/Team/API:1` }] }));
    expect(container).toMatchObject({ verdict: 'invalid-image', tried: [] });
    expect(container.anonymous).toBeUndefined();
    expect(container.fix).toContain(`fix the image reference "${HOST}/Team/API:1"`);
    expect(workload.willPull).toBe(false);
    expect(probe.probes).toEqual([]);
  });

  it('no-serviceaccount: the ServiceAccount named (or default) does not exist; the fix names it', async () => {
    const { app, probe } = arrange({ secrets: { regcred: { [HOST]: ['ci', CANARY] } } });
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: { template: { spec: { serviceAccountName: 'builder', containers: [{ name: 'api', image: IMAGE }] } } },
    };
    const { container } = await check(app, deployment);
    expect(container.verdict).toBe('no-serviceaccount');
    expect(container.fix).toBe(`create ServiceAccount "builder" in namespace "${NS}", or set serviceAccountName to one that exists`);
    expect(probe.probes).toEqual([]);
  });

  it('secret-missing: a pull secret listed by the Pod or its ServiceAccount does not exist', async () => {
    const { app } = arrange({ accounts: { default: ['regcred'] } });
    const { container, workload } = await check(app, pod({}));
    expect(workload).toMatchObject({ pullSecretsFrom: 'serviceAccount', pullSecrets: ['regcred'] });
    expect(container).toMatchObject({ verdict: 'secret-missing', secrets: [{ name: 'regcred', state: 'missing' }], tried: [] });
    expect(container.anonymous).toMatchObject({ outcome: 'unauthorized' });
    expect(container.fix).toBe(
      `create pull secret "regcred" in namespace "${NS}" with credentials for ${HOST}, or unlink it from ServiceAccount "default"`,
    );
  });

  it('not-linked: no secret listed, but a pull secret in the namespace has a credential for the registry', async () => {
    const { app, probe } = arrange({ secrets: { other: { 'other.example.com': ['x', 'y'] }, regcred: { [HOST]: ['ci', CANARY] } } });
    const { container } = await check(app, pod({}));
    expect(container).toMatchObject({ verdict: 'not-linked', tried: [], anonymous: { outcome: 'unauthorized' } });
    expect(container.fix).toBe(`link secret "regcred" to ServiceAccount "default", or add it to the Pod template's imagePullSecrets`);
    expect(usernames(probe)).toEqual(['anonymous']);
  });

  it('no-credential: the secrets listed hold nothing for the registry and it refuses anonymous pulls', async () => {
    const { app } = arrange({ secrets: { elsewhere: { 'other.example.com': ['ci', CANARY] } } });
    const { container } = await check(app, pod({ imagePullSecrets: [{ name: 'elsewhere' }] }));
    expect(container).toMatchObject({ verdict: 'no-credential', secrets: [{ name: 'elsewhere', state: 'used' }], tried: [] });
    expect(container.anonymous).toMatchObject({ outcome: 'unauthorized' });
    expect(container.fix).toContain(`create a pull secret for ${HOST} and link it to ServiceAccount "default"`);
    expect(container.fix).toContain(`${HOST}/team-a/api needs credentials`);
  });

  it('registry-unreachable: the probe answers unreachable (egress guard, DNS, timeout)', async () => {
    const { app, probe } = arrange({
      secrets: { a: { [HOST]: ['ci', CANARY] }, b: { [HOST]: ['other', 'pw'] } },
      answer: () => ({ outcome: 'unreachable', detail: 'connect ECONNREFUSED' }),
    });
    const { container } = await check(app, pod({ imagePullSecrets: [{ name: 'a' }, { name: 'b' }] }));
    expect(container.verdict).toBe('registry-unreachable');
    // An unreachable registry ends the round: the second credential is not tried.
    expect(container.tried).toEqual([
      { secret: 'a', server: HOST, username: 'ci', result: { outcome: 'unreachable', detail: 'connect ECONNREFUSED' } },
    ]);
    expect(container.fix).toBe(
      `check that ${HOST} is reachable from the cluster's nodes (DNS, firewall, proxy, TLS): connect ECONNREFUSED`,
    );
    expect(probe.probes).toHaveLength(1);
  });

  it('unauthorized: the registry refuses every credential tried (401), in the kubelet order', async () => {
    // Same key in both secrets: the kubelet keeps the Pod's order (b before a), and the more specific key first of all.
    const { app, probe } = arrange({
      secrets: { a: { [HOST]: ['ann', 'wrong-1'] }, b: { [HOST]: ['bob', 'wrong-2'], [`${HOST}/team-a/api`]: ['cid', 'wrong-3'] } },
    });
    const { container } = await check(app, pod({ imagePullSecrets: [{ name: 'b' }, { name: 'a' }] }));
    expect(container.verdict).toBe('unauthorized');
    expect(container.tried.map((t) => [t.secret, t.server, t.username, t.result.outcome])).toEqual([
      ['b', `${HOST}/team-a/api`, 'cid', 'unauthorized'],
      ['b', HOST, 'bob', 'unauthorized'],
      ['a', HOST, 'ann', 'unauthorized'],
    ]);
    expect(usernames(probe)).toEqual(['cid', 'bob', 'ann']);
    expect(container.anonymous).toBeUndefined();
    expect(container.fix).toBe(`renew the credential of user "cid" in secret "b": ${HOST} refused it (wrong password or expired token)`);
  });

  it('denied: the credential is known but may not pull the repository (403 / DENIED)', async () => {
    const { app } = arrange({
      secrets: { regcred: { [HOST]: ['ci', CANARY] } },
      answer: () => said({ outcome: 'denied', status: 403, code: 'DENIED' }),
    });
    const { container } = await check(app, pod({ imagePullSecrets: [{ name: 'regcred' }] }));
    expect(container).toMatchObject({
      verdict: 'denied',
      tried: [{ secret: 'regcred', result: { outcome: 'denied', status: 403, code: 'DENIED' } }],
    });
    expect(container.fix).toBe(`grant user "ci" (secret "regcred") pull access to ${HOST}/team-a/api, or use a credential that has it`);
  });

  it('not-found: MANIFEST_UNKNOWN or NAME_UNKNOWN for the tag or digest', async () => {
    const { app } = arrange({
      secrets: { regcred: { [HOST]: ['ci', CANARY] } },
      answer: () => said({ outcome: 'not-found', status: 404, code: 'MANIFEST_UNKNOWN' }),
    });
    const { container } = await check(app, pod({ imagePullSecrets: [{ name: 'regcred' }] }));
    expect(container).toMatchObject({ verdict: 'not-found', tried: [{ result: { code: 'MANIFEST_UNKNOWN' } }] });
    expect(container.fix).toBe(`check the image name and tag: ${HOST} has no ${HOST}/team-a/api:1.4`);
  });

  it('denied-or-not-found: a registry that answers 404 for both (a bodiless HEAD)', async () => {
    const { app } = arrange({
      secrets: { regcred: { [HOST]: ['ci', CANARY] } },
      answer: () => said({ outcome: 'denied-or-not-found', status: 404 }),
    });
    const { container } = await check(app, pod({ imagePullSecrets: [{ name: 'regcred' }] }));
    expect(container.verdict).toBe('denied-or-not-found');
    expect(container.fix).toBe(
      `check that ${HOST}/team-a/api:1.4 exists and that the credential in secret "regcred" may pull it: ${HOST} answers both alike`,
    );
  });

  it('pulls: the first credential that pulls is the one shown; later ones are not tried', async () => {
    const { app, probe } = arrange({ secrets: { first: { [HOST]: ['ci', CANARY] }, second: { [HOST]: ['later', CANARY] } } });
    const { container, workload } = await check(app, pod({ imagePullSecrets: [{ name: 'first' }, { name: 'second' }] }));
    expect(container).toMatchObject({ verdict: 'pulls', fix: 'nothing to fix: the kubelet can pull this image' });
    expect(container.tried).toEqual([
      { secret: 'first', server: HOST, username: 'ci', result: expect.objectContaining({ outcome: 'pulls' }) },
    ]);
    expect(container.anonymous).toBeUndefined();
    expect(usernames(probe)).toEqual(['ci']);
    expect(workload.willPull).toBe(true);
  });

  it('pulls-anonymously: no credential matched and the anonymous pull works', async () => {
    const { app, probe } = arrange({ answer: (t) => said(t.credential ? { outcome: 'unauthorized' } : { outcome: 'pulls', status: 200 }) });
    const { container, body } = await check(app, pod({ containers: [{ name: 'web', image: 'nginx:1.27' }] }));
    expect(container).toMatchObject({ verdict: 'pulls-anonymously', tried: [], anonymous: { outcome: 'pulls' } });
    expect(container.fix).toBe('nothing to fix: the image is pulled without credentials');
    expect(probe.probes).toEqual([{ registry: 'docker.io', repository: 'library/nginx', reference: '1.27' }]);
    expect(body.willPull).toBe(true);
  });

  it('willPull is false as soon as one container (init included) will not pull', async () => {
    const { app } = arrange({
      secrets: { regcred: { [HOST]: ['ci', CANARY] } },
      answer: (t) => (t.repository === 'team-a/migrate' ? said({ outcome: 'not-found', status: 404 }) : byDefault(t)),
    });
    const { workload, body } = await check(
      app,
      pod({ imagePullSecrets: [{ name: 'regcred' }], initContainers: [{ name: 'migrate', image: `${HOST}/team-a/migrate:1` }] }),
    );
    expect(workload.containers.map((c) => [c.name, c.verdict])).toEqual([
      ['migrate', 'not-found'],
      ['api', 'pulls'],
    ]);
    expect(workload.willPull).toBe(false);
    expect(body.willPull).toBe(false);
  });

  it('a secret of the wrong type (Opaque) is shown as wrong-type and its content never appears', async () => {
    const { app, probe } = arrange({ secrets: { 'opaque-creds': { [HOST]: ['ci', CANARY] } } });
    const { container } = await check(app, pod({ imagePullSecrets: [{ name: 'opaque-creds' }] }));
    expect(container).toMatchObject({ verdict: 'secret-missing', secrets: [{ name: 'opaque-creds', state: 'wrong-type' }], tried: [] });
    expect(container.fix).toContain('re-create secret "opaque-creds" as type kubernetes.io/dockerconfigjson');
    // The kubelet ignores it: only an anonymous pull is asked.
    expect(usernames(probe)).toEqual(['anonymous']);
  });
});

/** The embedded cluster, counting the reads the pull check makes. */
function countingReads(cluster: MemoryCluster) {
  const reads: string[] = [];
  const counted = new Proxy(cluster, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'readSecret' || property === 'readServiceAccount') {
        return (namespace: string, name: string) => (reads.push(`${String(property)}:${name}`), value.call(target, namespace, name));
      }
      return value.bind(target);
    },
  });
  return { counted: counted as Cluster, reads };
}

describe('GET /v1/namespaces/{namespace}/pullcheck: the scan', () => {
  it('a Pod in ImagePullBackOff gets the verdict that explains it (waiting and verdict agree)', async () => {
    const { app, cluster } = arrange({
      secrets: { regcred: { [HOST]: ['ci', 'expired'] } },
      accounts: { default: ['regcred'] },
    });
    const memory = cluster as MemoryCluster;
    memory.seedPod({ namespace: NS, name: 'api', containers: [{ kind: 'container', name: 'api', image: IMAGE }] });
    memory.seedPod({ namespace: NS, name: 'running' });
    memory.setPodContainerStates(NS, 'api', [{ name: 'api', waiting: 'ImagePullBackOff' }]);
    const res = await request(app).get(`/v1/namespaces/${NS}/pullcheck`);
    expect(res.status).toBe(200);
    expectMatchesContract(res);
    expect(res.body).toMatchObject({ scanned: 2, pods: [{ name: 'api', waiting: [{ name: 'api', reason: 'ImagePullBackOff' }] }] });
    const [container] = res.body.pods[0].containers as ContainerAnswer[];
    expect(container).toMatchObject({ name: 'api', verdict: 'unauthorized', tried: [{ secret: 'regcred', username: 'ci' }] });
    expect(container.fix).toContain('renew the credential of user "ci" in secret "regcred"');
  });

  it('Pods sharing a ServiceAccount and secrets read each once (the per-request ports cache)', async () => {
    const memory = new MemoryCluster({ namespaces: ['default', NS] });
    memory.seedServiceAccount({ namespace: NS, name: 'default', imagePullSecrets: ['regcred'] });
    const config = base64(JSON.stringify({ auths: { [HOST]: { auth: authOf('ci', 'expired') } } }));
    memory.seedSecret({
      namespace: NS,
      name: 'regcred',
      type: 'kubernetes.io/dockerconfigjson',
      labels: {},
      annotations: {},
      data: { '.dockerconfigjson': config },
    });
    for (const name of ['a', 'b', 'c']) {
      memory.seedPod({ namespace: NS, name, containers: [{ kind: 'container', name: 'api', image: IMAGE }] });
      memory.setPodContainerStates(NS, name, [{ name: 'api', waiting: 'ErrImagePull' }]);
    }
    const { counted, reads } = countingReads(memory);
    const probe = scriptedProbe(byDefault);
    const { app } = buildTestApp({ cluster: counted, probe });
    const res = await request(app).get(`/v1/namespaces/${NS}/pullcheck`);
    expect(res.status).toBe(200);
    expect(res.body.pods.map((p: { name: string; containers: ContainerAnswer[] }) => [p.name, p.containers[0].verdict])).toEqual([
      ['a', 'unauthorized'],
      ['b', 'unauthorized'],
      ['c', 'unauthorized'],
    ]);
    expect(reads.filter((r) => r === 'readSecret:regcred')).toHaveLength(1);
    expect(reads.filter((r) => r === 'readServiceAccount:default')).toHaveLength(1);
    expect(probe.probes).toHaveLength(1);
  });
});
