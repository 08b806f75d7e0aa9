import { createServer } from 'node:http';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { ManifestProbe, ProbeResult, ProbeTarget } from '../../src/domain/pullcheck/pullcheck-model.js';
import type { RegistryRequest, RegistryResponse, RegistryTransport } from '../../src/domain/verify/registry-transport.js';
import { createRegistryProbe } from '../../src/registry/create-probe.js';
import { cachedManifestProbe } from '../../src/registry/probe-cache.js';
import { closeServer, listenOnLoopback, stopTestServers, tracked } from '../support/loopback.js';
import { buildTestApp } from '../support/test-app.js';

// Identical probes asked while one runs share it: one registry probe, one answer, never across credentials.

const PASSWORD = `pw-${Date.now()}`;
const SETTINGS = { insecureHosts: [], allowPrivate: false, timeoutMs: 5_000, concurrency: 4 };
const V2 = { 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' };
const MANIFEST = { ...V2, 'docker-content-digest': `sha256:${'a'.repeat(64)}` };
const basicOf = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const target = (password = PASSWORD): ProbeTarget => ({
  registry: 'registry.example.com',
  repository: 'team/app',
  reference: 'v1',
  credential: { username: 'janedoe', password },
});

/** distribution with htpasswd (janedoe / PASSWORD), whose answers wait until the test opens the gate. */
function gatedRegistry() {
  const requests: RegistryRequest[] = [];
  const signals: Array<AbortSignal | undefined> = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const transport: RegistryTransport = {
    async send(r, signal) {
      requests.push(r);
      signals.push(signal);
      await gate;
      if (r.headers?.authorization !== basicOf('janedoe', PASSWORD))
        return { status: 401, headers: { ...V2, 'www-authenticate': 'Basic realm="Registry Realm"' }, body: '' };
      return { status: 200, headers: MANIFEST, body: '' } satisfies RegistryResponse;
    },
  };
  // Every probe starts with one anonymous HEAD of the manifest.
  const probesSent = () => requests.filter((r) => r.method === 'HEAD' && !r.headers?.authorization).length;
  return { transport, requests, signals, open, probesSent };
}

const until = async (condition: () => boolean) => {
  for (const deadline = Date.now() + 5_000; !condition();) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
};

afterEach(stopTestServers);

describe('probes asked while an identical one runs', () => {
  it('when 100 identical probes are asked at once, then one probe goes to the registry and all get its answer', async () => {
    const registry = gatedRegistry();
    const probe = createRegistryProbe({ ...SETTINGS, transport: registry.transport });
    const answers = Promise.all(Array.from({ length: 100 }, (_, i) => probe.probe(target(), undefined, `caller-${i % 7}`)));
    await until(() => registry.requests.length === 1);
    registry.open();
    const results = await answers;
    expect(registry.probesSent()).toBe(1);
    expect(results[0]).toMatchObject({ outcome: 'pulls', status: 200 });
    expect(results.every((r) => JSON.stringify(r) === JSON.stringify(results[0]))).toBe(true);
  });

  it('when the credentials differ, then each is probed on its own, and one credential’s answer never answers the other', async () => {
    const registry = gatedRegistry();
    const probe = createRegistryProbe({ ...SETTINGS, transport: registry.transport });
    const asked = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? PASSWORD : 'wrong'));
    const answers = Promise.all(asked.map((password) => probe.probe(target(password))));
    await until(() => registry.requests.length === 2);
    registry.open();
    const results = await answers;
    expect(registry.probesSent()).toBe(2);
    expect(results.map((r) => r.outcome)).toEqual(asked.map((p) => (p === PASSWORD ? 'pulls' : 'unauthorized')));
  });

  it('when 100 identical pull checks come at once over HTTP, then the registry is probed once and every answer is the same', async () => {
    const registry = gatedRegistry();
    const shared = createRegistryProbe({ ...SETTINGS, transport: registry.transport });
    let arrived = 0;
    const probe: ManifestProbe = { probe: (...args) => (arrived++, shared.probe(...args)) };
    const cluster = new MemoryCluster({ namespaces: ['team-a'] });
    cluster.seedServiceAccount({ namespace: 'team-a', name: 'default', imagePullSecrets: ['regcred'] });
    const auths = { 'registry.example.com': { username: 'janedoe', password: PASSWORD } };
    cluster.seedSecret({
      namespace: 'team-a',
      name: 'regcred',
      type: 'kubernetes.io/dockerconfigjson',
      labels: {},
      annotations: {},
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
    });
    const server = createServer(buildTestApp({ cluster, probe }).app);
    await listenOnLoopback(server);
    tracked(() => closeServer(server));
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api' },
      spec: { containers: [{ name: 'api', image: 'registry.example.com/team/app:v1' }] },
    };

    const answers = Promise.all(Array.from({ length: 100 }, () => request(server).post('/v1/namespaces/team-a/pullcheck').send(pod)));
    await until(() => arrived === 100);
    registry.open();
    const responses = await answers;

    expect(registry.probesSent()).toBe(1);
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
    const tried = responses.map((r) => JSON.stringify(r.body.workloads[0].containers[0].tried));
    expect(new Set(tried).size).toBe(1);
    expect(responses[0]!.body.workloads[0].containers[0].verdict).toBe('pulls');
  });

  it('when one caller leaves before the answer, then it is answered at once, and the others still get the registry’s answer, which is kept', async () => {
    const registry = gatedRegistry();
    const probe = createRegistryProbe({ ...SETTINGS, transport: registry.transport });
    const leaving = new AbortController();
    const first = probe.probe(target(), leaving.signal);
    const second = probe.probe(target());
    await until(() => registry.requests.length === 1);
    leaving.abort();
    expect(await first).toMatchObject({ outcome: 'unreachable', detail: expect.stringContaining('not checked') });
    registry.open();
    expect(await second).toMatchObject({ outcome: 'pulls' });
    expect(await probe.probe(target())).toMatchObject({ outcome: 'pulls' });
    expect(registry.probesSent()).toBe(1);
  });

  it('when every caller leaves, then the probe is stopped and its answer not kept', async () => {
    const registry = gatedRegistry();
    const probe = createRegistryProbe({ ...SETTINGS, transport: registry.transport });
    const callers = [new AbortController(), new AbortController()];
    const answers = Promise.all(callers.map((c) => probe.probe(target(), c.signal)));
    await until(() => registry.requests.length === 1);
    callers.forEach((c) => c.abort());
    expect((await answers).map((r) => r.outcome)).toEqual(['unreachable', 'unreachable']);
    expect(registry.signals[0]?.aborted).toBe(true);
    registry.open();
    expect(await probe.probe(target())).toMatchObject({ outcome: 'pulls' });
    expect(registry.probesSent()).toBe(2);
  });
});

describe('a shared probe that fails', () => {
  const failingOnce = (failure: () => Promise<ProbeResult>) => {
    let calls = 0;
    const probe: ManifestProbe = {
      probe: async () => (++calls === 1 ? failure() : { outcome: 'pulls', detail: 'ok' }),
    };
    return { probe, calls: () => calls };
  };

  it('when it throws, then every caller waiting gets the failure, and the next caller asks again', async () => {
    const inner = failingOnce(() => Promise.reject(new Error('too busy')));
    const cached = cachedManifestProbe(inner.probe);
    const results = await Promise.allSettled([cached.probe(target()), cached.probe(target())]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await cached.probe(target())).toMatchObject({ outcome: 'pulls' });
    expect(inner.calls()).toBe(2);
  });

  it('when it answers unreachable, then the answer is kept no longer than unreachable answers are', async () => {
    const inner = failingOnce(async () => ({ outcome: 'unreachable', detail: 'down' }));
    const cached = cachedManifestProbe(inner.probe, { unreachableTtlMs: 1 });
    const results = await Promise.all([cached.probe(target()), cached.probe(target())]);
    expect(results.map((r) => r.outcome)).toEqual(['unreachable', 'unreachable']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await cached.probe(target())).toMatchObject({ outcome: 'pulls' });
    expect(inner.calls()).toBe(2);
  });
});
