import { describe, expect, it } from 'vitest';
import type { ManifestProbe, ProbeResult, ProbeTarget } from '../../src/domain/pullcheck/pullcheck-model.js';
import type { RegistryRequest, RegistryResponse, RegistryTransport } from '../../src/domain/verify/registry-transport.js';
import { createRegistryProbe } from '../../src/registry/create-probe.js';
import { createRegistryVerifier } from '../../src/registry/create-verifier.js';
import { cachedManifestProbe } from '../../src/registry/probe-cache.js';
import { createRegistryEgress } from '../../src/registry/registry-egress.js';
import { registryPortsFromConfig } from '../../src/registry/registry-ports.js';

const target = (password = 'p4ss', reference = 'v1'): ProbeTarget => ({
  registry: 'registry.example.com',
  repository: 'team/app',
  reference,
  credential: { username: 'janedoe', password },
});

/** A transport whose answers wait until the test lets them go, recording what was asked. */
function heldTransport() {
  const asked: RegistryRequest[] = [];
  const waiting: Array<() => void> = [];
  const transport: RegistryTransport = {
    send: (request) => {
      asked.push(request);
      return new Promise<RegistryResponse>((resolve) =>
        waiting.push(() => resolve({ status: 200, headers: { 'docker-distribution-api-version': 'registry/2.0' }, body: '' })),
      );
    },
  };
  const releaseAll = () => waiting.splice(0).forEach((go) => go());
  return { transport, asked, releaseAll };
}

const until = async (condition: () => boolean) => {
  for (const deadline = Date.now() + 2000; !condition();) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
};

describe('the probe regcred runs with', () => {
  it('when verification holds the only slot, then a probe over the same egress waits for it', async () => {
    const { transport, asked, releaseAll } = heldTransport();
    const settings = { insecureHosts: [], allowPrivate: false, timeoutMs: 1000, concurrency: 1, transport };
    const egress = createRegistryEgress(settings);
    const verifying = createRegistryVerifier(settings, egress).verify({ server: 'registry.example.com', username: 'u', password: 'p' });
    const probing = createRegistryProbe({ ...settings, cache: false }, egress).probe(target());
    await until(() => asked.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked.map((r) => new URL(r.url).pathname)).toEqual(['/v2/']);
    releaseAll();
    await verifying;
    await until(() => asked.length === 2);
    expect(asked[1]!.url).toContain('/manifests/v1');
    releaseAll();
    expect(await probing).toMatchObject({ outcome: 'pulls' });
  });

  it('when the caller has gone before a slot frees, then unreachable and nothing sent', async () => {
    const { transport, asked, releaseAll } = heldTransport();
    const settings = { insecureHosts: [], allowPrivate: false, timeoutMs: 1000, concurrency: 1, transport, cache: false as const };
    const probe = createRegistryProbe(settings);
    const first = probe.probe(target());
    const gone = new AbortController();
    const second = probe.probe(target('other'), gone.signal);
    gone.abort();
    expect(await second).toMatchObject({ outcome: 'unreachable', detail: expect.stringContaining('not checked') });
    releaseAll();
    await first;
    expect(asked).toHaveLength(1);
  });
});

describe('the registry ports from the configuration', () => {
  it('when a probe names a loopback registry, then the egress guard refuses it as it refuses verification', async () => {
    const { verifier, probe } = registryPortsFromConfig({
      insecureHosts: [],
      allowPrivate: false,
      timeoutMs: 1000,
      concurrency: 2,
      requestShare: 2,
      maxWaiting: 1000,
    });
    const refused = await probe.probe({ ...target(), registry: '127.0.0.1:5000' });
    expect(refused).toMatchObject({ outcome: 'unreachable', detail: expect.stringContaining('REGCRED_VERIFY_ALLOW_PRIVATE') });
    expect(await verifier.verify({ server: '127.0.0.1:5000', username: 'u', password: 'p' })).toMatchObject({ refusedByGuard: true });
  });
});

describe('the probe cache', () => {
  const counting = (result: ProbeResult = { outcome: 'pulls', status: 200, detail: 'ok' }) => {
    const calls: ProbeTarget[] = [];
    const probe: ManifestProbe = { probe: async (t) => (calls.push(t), result) };
    return { probe, calls };
  };

  it('when the same credential, registry, repository and reference are asked again, then the kept answer is given', async () => {
    const { probe, calls } = counting();
    const cached = cachedManifestProbe(probe);
    await cached.probe(target());
    expect(await cached.probe(target())).toMatchObject({ outcome: 'pulls' });
    expect(calls).toHaveLength(1);
  });

  it('when the password, the reference or the caller being anonymous differs, then the registry is asked', async () => {
    const { probe, calls } = counting();
    const cached = cachedManifestProbe(probe);
    const { credential: _, ...anonymous } = target();
    for (const t of [target(), target('other'), target('p4ss', 'v2'), anonymous]) await cached.probe(t);
    expect(calls).toHaveLength(4);
  });

  it('when the caller’s signal ended the probe, then its answer is not kept', async () => {
    const { probe, calls } = counting({ outcome: 'unreachable', detail: 'stopped' });
    const cached = cachedManifestProbe(probe);
    const gone = new AbortController();
    gone.abort();
    await cached.probe(target(), gone.signal);
    await cached.probe(target());
    expect(calls).toHaveLength(2);
  });

  it('when an answer is older than its time to live, then the registry is asked again', async () => {
    const { probe, calls } = counting({ outcome: 'unreachable', detail: 'down' });
    const cached = cachedManifestProbe(probe, { unreachableTtlMs: 1 });
    await cached.probe(target());
    await new Promise((resolve) => setTimeout(resolve, 10));
    await cached.probe(target());
    expect(calls).toHaveLength(2);
  });

  it('when a kept answer is changed by its receiver, then the cache is not', async () => {
    const cached = cachedManifestProbe(counting().probe);
    (await cached.probe(target())).detail = 'changed';
    expect((await cached.probe(target())).detail).toBe('ok');
  });
});
