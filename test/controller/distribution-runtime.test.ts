import { Buffer } from 'node:buffer';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDistributions } from '../../src/cluster/memory/distributions.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { defaultConfig } from '../../src/config.js';
import { LEASE_NAME, startDistributionRuntime, type DistributionRuntime } from '../../src/distribution-runtime.js';
import { DISTRIBUTION_SOURCE_LABEL } from '../../src/domain/distributions/distribution.js';
import { createMetrics } from '../../src/metrics.js';
import type { RegistryVerifier } from '../../src/domain/verify/registry-verifier.js';
import { eventually } from '../support/poll.js';
import { FakeMinter } from '../support/cloud/fake-minter.js';

// The runtime as main.ts starts it, on the in-memory cluster: leadership, metrics, Events, log lines.
const CANARY = 'canary-runtime-pw';
const configJson = (password: string) =>
  Buffer.from(JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from(`ci:${password}`).toString('base64') } } })).toString(
    'base64',
  );

function logCapture() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

describe('the distribution runtime (leader election, metrics, Events) on the in-memory cluster', () => {
  let runtime: DistributionRuntime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  async function arrange() {
    const cluster = new MemoryCluster({ namespaces: ['regcred', { name: 'team-a', labels: { team: 'a' } }] });
    const distributions = new MemoryDistributions(cluster);
    cluster.seedServiceAccount({ namespace: 'team-a', name: 'default' });
    distributions.seedPod({ namespace: 'team-a', name: 'api-1', serviceAccountName: 'default', imagePullSecrets: [] });
    await cluster.createSecret({
      namespace: 'regcred',
      name: 'src',
      type: 'kubernetes.io/dockerconfigjson',
      labels: { [DISTRIBUTION_SOURCE_LABEL]: 'payments' },
      annotations: {},
      data: { '.dockerconfigjson': configJson(CANARY) },
    });
    await distributions.createDistribution({
      name: 'payments',
      finalizers: [],
      labels: {},
      annotations: {},
      spec: {
        secretName: 'regcred',
        source: { secretName: 'src', namespace: 'regcred' },
        namespaceSelector: 'team=a',
        serviceAccounts: ['default'],
        expiresAt: '2027-01-01T00:00:00Z',
      },
    });
    const metrics = createMetrics({ processMetrics: false });
    const { logger, lines } = logCapture();
    const config = defaultConfig({ namespace: 'regcred' });
    runtime = startDistributionRuntime({ config, cluster, distributions, metrics, logger });
    return { cluster, distributions, metrics, lines };
  }

  it('leads, keeps the copy, reports Pods admitted before the link, and counts it all in metrics', async () => {
    const { cluster, distributions, metrics, lines } = await arrange();
    await eventually(async () => expect((await distributions.readDistribution('payments'))?.status?.counts?.inSync).toBe(1));
    expect(runtime!.isLeader()).toBe(true);
    expect((await distributions.leases.read('regcred', LEASE_NAME))?.holderIdentity).toBe(runtime!.identity);
    const status = (await distributions.readDistribution('payments'))!.status!;
    expect(status.podsLackingSecret).toEqual([{ namespace: 'team-a', name: 'api-1', serviceAccountName: 'default' }]);
    expect((await cluster.readServiceAccount('team-a', 'default'))?.imagePullSecrets).toEqual(['regcred']);

    const text = await eventually(async () => {
      const t = await metrics.registry.metrics();
      expect(t).toContain('regcred_distribution_namespaces{distribution="payments",state="inSync"} 1');
      return t;
    });
    expect(text).toContain('regcred_controller_leader 1');
    expect(text).toMatch(/regcred_distribution_writes_total\{distribution="payments"\} [1-9]/);
    expect(text).toContain(
      `regcred_credential_expiry_timestamp_seconds{distribution="payments"} ${Date.parse('2027-01-01T00:00:00Z') / 1000}`,
    );
    // A static credential has no lifetime series: that is how the alerts tell it from a cloud token.
    expect(text).not.toContain('regcred_credential_lifetime_seconds{');

    // Drift: an Event, a counter, a log line; never the credential anywhere.
    const copy = (await cluster.readSecret('team-a', 'regcred'))!;
    await cluster.deleteSecret('team-a', 'regcred', copy.uid!);
    await eventually(async () => expect(await cluster.readSecret('team-a', 'regcred')).toBeDefined());
    await eventually(async () => {
      expect(distributions.events.map((e) => e.reason)).toContain('DriftRestored');
      expect(await metrics.registry.metrics()).toContain(
        'regcred_distribution_drift_restorations_total{distribution="payments",how="deleted"} 1',
      );
    });
    await new Promise((r) => setTimeout(r, 300));
    const everything = [lines.join('\n'), await metrics.registry.metrics(), JSON.stringify(distributions.events)].join('\n');
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(configJson(CANARY));

    // Deleted: its series go, not linger with their last counts.
    await distributions.deleteDistribution('payments', (await distributions.readDistribution('payments'))!.uid!);
    await eventually(async () => expect(await distributions.readDistribution('payments')).toBeUndefined());
    await eventually(async () => {
      const left = await metrics.registry.metrics();
      expect(left).not.toContain('regcred_distribution_namespaces{distribution="payments"');
      expect(left).not.toContain('regcred_distribution_writes_total{distribution="payments"}');
      expect(left).not.toContain('regcred_distribution_drift_restorations_total{distribution="payments"');
    });
  });

  it('releases the Lease on stop, so another replica can lead at once', async () => {
    const { distributions, metrics } = await arrange();
    await eventually(async () => expect(runtime!.isLeader()).toBe(true));
    await runtime!.stop();
    runtime = undefined;
    const lease = (await distributions.leases.read('regcred', LEASE_NAME))!;
    expect(lease.holderIdentity ?? '').toBe('');
    expect(await metrics.registry.metrics()).toContain('regcred_controller_leader 0');
  });

  it("when a cloud token is minted, then its lifetime is a series beside its expiry; when the replica stops leading, it reports no distribution's state any more", async () => {
    const cluster = new MemoryCluster({ namespaces: ['regcred', 'team-a'] });
    const distributions = new MemoryDistributions(cluster);
    await distributions.createDistribution({
      name: 'ecr-x',
      finalizers: [],
      labels: {},
      annotations: {},
      spec: {
        secretName: 'regcred',
        serviceAccounts: [],
        namespaces: ['team-a'],
        source: { secretName: 'distribution-ecr-x', namespace: 'regcred', ecr: { region: 'eu-west-1', registryIds: ['111122223333'] } },
      },
    });
    const metrics = createMetrics({ processMetrics: false });
    const minter = new FakeMinter(CANARY);
    minter.lifetimeMs = 600_000;
    const base = defaultConfig({ namespace: 'regcred' });
    const config = defaultConfig({ namespace: 'regcred', cloud: { ...base.cloud, allow: ['ecr:111122223333:*'] } });
    runtime = startDistributionRuntime({ config, cluster, distributions, metrics, logger: logCapture().logger, minter });
    const lifetime = await eventually(async () => {
      const value = /^regcred_credential_lifetime_seconds\{distribution="ecr-x"\} (\S+)$/m.exec(await metrics.registry.metrics())?.[1];
      expect(value).toBeDefined();
      return Number(value);
    });
    // status.credential: expiresAt minus lastRefreshTime, the latter recorded just after the mint answered.
    expect(lifetime).toBeGreaterThan(590);
    expect(lifetime).toBeLessThanOrEqual(600);
    const text = await metrics.registry.metrics();
    expect(text).toContain('regcred_credential_refresh_total{distribution="ecr-x",provider="ecr",result="success"} 1');
    expect(text).toMatch(/^regcred_credential_expiry_timestamp_seconds\{distribution="ecr-x"\} \d+/m);

    await runtime.stop();
    runtime = undefined;
    const after = await metrics.registry.metrics();
    expect(after).toContain('regcred_controller_leader 0');
    for (const gauge of [
      'regcred_credential_lifetime_seconds',
      'regcred_credential_expiry_timestamp_seconds',
      'regcred_distribution_namespaces',
    ])
      expect(after, gauge).not.toContain(`${gauge}{`);
  });

  it('when its namespace is missing, it keeps trying to lead but says so once a minute, not at every attempt', async () => {
    const cluster = new MemoryCluster({ namespaces: ['default'] });
    const distributions = new MemoryDistributions(cluster);
    const { logger, lines } = logCapture();
    const config = defaultConfig({ namespace: 'nowhere', controller: { ...defaultConfig().controller, leaseDurationSeconds: 3 } });
    runtime = startDistributionRuntime({ config, cluster, distributions, metrics: createMetrics({ processMetrics: false }), logger });
    // Attempts every 0.5–1.1 s: several fail in 3 s.
    await new Promise((r) => setTimeout(r, 3000));
    expect(runtime.isLeader()).toBe(false);
    const warnings = lines.filter((l) => l.includes('leader election step failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('NamespaceNotFoundError');
    expect(warnings[0]).toContain('nowhere');
  });

  it('with spec.verify=required, new source content reaches no copy until the registry accepts it', async () => {
    const cluster = new MemoryCluster({ namespaces: ['regcred', { name: 'team-a', labels: { team: 'a' } }] });
    const distributions = new MemoryDistributions(cluster);
    const checked: string[] = [];
    const verifier: RegistryVerifier = {
      verify: async (target) => {
        checked.push(target.password);
        const accepted = !target.password.startsWith('refused');
        return {
          verification: {
            server: target.server,
            status: accepted ? 'valid' : 'invalid',
            method: 'basic',
            detail: accepted ? 'accepted' : 'the registry refused the credentials',
            checkedAt: new Date().toISOString(),
          },
          refusedByGuard: false,
        };
      },
    };
    await cluster.createSecret({
      namespace: 'regcred',
      name: 'src',
      type: 'kubernetes.io/dockerconfigjson',
      labels: { [DISTRIBUTION_SOURCE_LABEL]: 'payments' },
      annotations: {},
      data: { '.dockerconfigjson': configJson('first-pw') },
    });
    await distributions.createDistribution({
      name: 'payments',
      finalizers: [],
      labels: {},
      annotations: {},
      spec: {
        secretName: 'regcred',
        source: { secretName: 'src', namespace: 'regcred' },
        namespaceSelector: 'team=a',
        serviceAccounts: [],
        verify: 'required',
      },
    });
    const { logger } = logCapture();
    runtime = startDistributionRuntime({
      config: defaultConfig({ namespace: 'regcred' }),
      cluster,
      distributions,
      metrics: createMetrics({ processMetrics: false }),
      logger,
      verifier,
    });
    await eventually(async () =>
      expect((await cluster.readSecret('team-a', 'regcred'))?.data['.dockerconfigjson']).toBe(configJson('first-pw')),
    );
    const first = (await distributions.readDistribution('payments'))!.status!;
    expect(first.verifiedContentHash).toBe(first.contentHash);
    const copyBefore = (await cluster.readSecret('team-a', 'regcred'))!;

    const current = (await cluster.readSecret('regcred', 'src'))!;
    await cluster.replaceSecret({
      ...current,
      data: { '.dockerconfigjson': configJson('refused-pw') },
      resourceVersion: current.resourceVersion!,
    });
    await eventually(async () =>
      expect((await distributions.readDistribution('payments'))?.status?.message).toMatch(/was not rolled out: .*invalid/),
    );
    expect(checked).toContain('refused-pw');
    expect((await cluster.readSecret('team-a', 'regcred'))?.resourceVersion).toBe(copyBefore.resourceVersion);
    expect(JSON.stringify((await distributions.readDistribution('payments'))!.status)).not.toContain('refused-pw');

    const refused = (await cluster.readSecret('regcred', 'src'))!;
    await cluster.replaceSecret({
      ...refused,
      data: { '.dockerconfigjson': configJson('second-pw') },
      resourceVersion: refused.resourceVersion!,
    });
    await eventually(async () =>
      expect((await cluster.readSecret('team-a', 'regcred'))?.data['.dockerconfigjson']).toBe(configJson('second-pw')),
    );
    await eventually(async () => {
      const status = (await distributions.readDistribution('payments'))!.status!;
      expect(status.verifiedContentHash).toBe(status.contentHash);
      expect(status.message).toBeUndefined();
    });
  });
});
