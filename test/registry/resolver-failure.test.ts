import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import type { Resolve } from '../../src/registry/egress-guard.js';
import { ResolutionFailure, resolveGuarded } from '../../src/registry/egress-guard.js';
import { createRegistryProbe } from '../../src/registry/create-probe.js';
import { createRegistryVerifier } from '../../src/registry/create-verifier.js';
import { buildTestApp } from '../support/test-app.js';

// A resolver's own words (its servers, search domains, the caller's host) never reach an answer or a log line.

const CANARY = `CANARY-RESOLVER-${Date.now()}`;
const failingResolver =
  (code: unknown): Resolve =>
  async () => {
    throw Object.assign(new Error(`getaddrinfo via nameserver 10.96.0.10 (${CANARY}) for search ${CANARY}.svc.cluster.local`), { code });
  };
const settings = (resolve: Resolve) => ({ insecureHosts: [], allowPrivate: false, timeoutMs: 2_000, concurrency: 2, resolve });
const target = { registry: 'registry.example.com', repository: 'team/app', reference: 'v1' };

describe('when the resolver fails', () => {
  it('then the guard says so in its own words, with a known code at most', async () => {
    const failure = await resolveGuarded('registry.example.com', false, failingResolver('ENOTFOUND')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ResolutionFailure);
    expect((failure as Error).message).toBe('the registry host registry.example.com could not be resolved (ENOTFOUND)');
  });

  it.each([['ENOTFOUND'], [CANARY], [undefined]])(
    'then the probe answers unreachable, and no word of the resolver’s is in it (code %s)',
    async (code) => {
      const answer = await createRegistryProbe({ ...settings(failingResolver(code)), cache: false }).probe(target);
      expect(answer.outcome).toBe('unreachable');
      expect(answer.detail).toMatch(/^the registry host registry\.example\.com could not be resolved( \(ENOTFOUND\))?$/);
      expect(JSON.stringify(answer)).not.toContain(CANARY);
    },
  );

  it('then verification answers unreachable, and no word of the resolver’s is in it', async () => {
    const verifier = createRegistryVerifier(settings(failingResolver(CANARY)));
    const answer = await verifier.verify({ server: 'registry.example.com', username: 'u', password: 'p' });
    expect(answer).toMatchObject({ verification: { status: 'unreachable' }, refusedByGuard: false });
    expect(JSON.stringify(answer)).not.toContain(CANARY);
  });

  it('then a pull check answers registry-unreachable, and neither its answer nor the log names what the resolver said', async () => {
    const cluster = new MemoryCluster({ namespaces: ['team-a'] });
    cluster.seedServiceAccount({ namespace: 'team-a', name: 'default' });
    const probe = createRegistryProbe(settings(failingResolver('EAI_AGAIN')));
    const { app, logLines } = buildTestApp({ cluster, probe });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api' },
      spec: { containers: [{ name: 'api', image: 'registry.example.com/team/app:v1' }] },
    };

    const res = await request(app).post('/v1/namespaces/team-a/pullcheck').send(pod);

    expect(res.status).toBe(200);
    expect(res.body.workloads[0].containers[0]).toMatchObject({
      verdict: 'registry-unreachable',
      anonymous: { outcome: 'unreachable', detail: 'the registry host registry.example.com could not be resolved (EAI_AGAIN)' },
    });
    expect(res.text).not.toContain(CANARY);
    expect(logLines.join('\n')).not.toContain(CANARY);
  });
});
