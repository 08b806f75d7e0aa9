import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../support/cloud/fake-aws.js';
import { eventually } from '../support/poll.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { adminKubeConfig, kitKubeconfigPath, kitSuiteTitle, realClusterAvailable, uniqueName } from '../support/real-cluster.js';
import { KitObjects, startReplica, type Replica } from '../support/regcred-replicas.js';
import { killServices } from '../support/service-process.js';
import { alertRules, dashboardQueries, metricNames, promtoolAvailable, withRateInterval } from './monitoring-component.js';
import { startPrometheus, type PrometheusProcess } from './prometheus-process.js';

// A real Prometheus (Debian's, 1 s scrapes, the component's rules loaded) scrapes a real regcred on
// the kit with its controller on, two static distributions (one expiring in 30 days, one in 2) and
// an ECR one minted from the fake AWS (test/support/cloud/fake-aws.ts, hour-long tokens), so the
// cloud series exist too. Every dashboard query and alert expression is asked through Prometheus's
// HTTP API: panels return data, alerts on the healthy service are quiet, and the 2-day credential is
// pending in RegcredStaticCredentialExpiringSoon. So no panel or alert reads a metric regcred does
// not export.

const enabled = realClusterAvailable() && promtoolAvailable();
if (realClusterAvailable() && !promtoolAvailable())
  console.warn("SKIPPED test/monitoring/live-prometheus.test.ts: Debian's prometheus is not installed (CI installs it)");

const ACCOUNT = '111122223333';
const CANARY = `canary-${uniqueName('pw')}`;
const RATE_INTERVAL = '30s';
const DAY_MS = 86_400_000;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

describe.skipIf(!enabled)(kitSuiteTitle('a real Prometheus scraping regcred: the dashboard and the alerts'), () => {
  let kit: KitObjects;
  let regcred: Replica;
  let prometheus: PrometheusProcess;
  let exported: Set<string>;
  let traffic: NodeJS.Timeout;
  let aws: FakeAws;
  let dir: string;
  const far = uniqueName('mon-far');
  const near = uniqueName('mon-near');
  const ecr = uniqueName('mon-ecr');
  const target = uniqueName('mon-target');

  beforeAll(async () => {
    const kubeconfig = kitKubeconfigPath();
    kit = new KitObjects(adminKubeConfig());
    await applyDistributionCrd(kubeconfig);
    const own = uniqueName('regcred-mon');
    await kit.createNamespaces([own, target]);
    dir = mkdtempSync(join(tmpdir(), 'regcred-monitoring-'));
    writeFileSync(join(dir, 'web-identity-token'), 'projected-sa-token', { mode: 0o600 });
    aws = await startFakeAws({ tokenLifetimeSeconds: 3600 });
    // Short watches and resyncs, so that restarts and reconciles happen within the test.
    regcred = await startReplica(kubeconfig, own, {
      REGCRED_CONTROLLER: 'on',
      REGCRED_WATCH_TIMEOUT_SECONDS: '2',
      REGCRED_CONTROLLER_RESYNC_SECONDS: '2',
      REGCRED_CLOUD_ALLOW: `ecr:${ACCOUNT}:*`,
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_ECR: aws.url,
      AWS_ENDPOINT_URL_STS: aws.url,
      AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/regcred-ecr-pull`,
      AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'web-identity-token'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    });
    const headers = { Authorization: `Bearer ${regcred.token}`, 'Content-Type': 'application/json' };
    for (const [name, days] of [
      [far, 30],
      [near, 2],
    ] as const) {
      kit.track(name);
      const response = await fetch(`${regcred.url}/v1/distributions/${name}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({
          server: 'registry.example.com',
          username: 'ci',
          password: CANARY,
          namespaces: [target],
          secretName: name,
          expiresAt: new Date(Date.now() + days * DAY_MS).toISOString(),
        }),
      });
      expect(response.status, await response.text()).toBeLessThan(300);
    }
    kit.track(ecr);
    const minted = await fetch(`${regcred.url}/v1/distributions/${ecr}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ ecr: { region: 'eu-west-1', registryIds: [ACCOUNT] }, namespaces: [target], secretName: ecr }),
    });
    expect(minted.status, await minted.text()).toBeLessThan(300);
    // Some API traffic for the request panels: lists, and a 404.
    traffic = setInterval(() => {
      void fetch(`${regcred.url}/v1/distributions`, { headers }).catch(() => undefined);
      void fetch(`${regcred.url}/v1/distributions/missing-one`, { headers }).catch(() => undefined);
    }, 250);
    exported = await exportedMetricNames(regcred.url);
    prometheus = await startPrometheus(new URL(regcred.url).host);
    // Until the copies are in sync and Prometheus has enough samples for rates over RATE_INTERVAL.
    await eventually(
      async () => {
        const inSync = await prometheus.api<{ result: Sample[] }>('query', {
          query: 'regcred_distribution_namespaces{state="inSync"} == 1',
        });
        expect(inSync.result.map((s) => s.metric.distribution).sort()).toEqual([far, near, ecr].sort());
        const lifetime = await prometheus.api<{ result: Sample[] }>('query', { query: 'regcred_credential_lifetime_seconds' });
        // expiresAt minus lastRefreshTime, as status.credential has them: the hour ECR answered, less the time the
        // mint's answer took to be recorded (seconds on a loaded machine).
        expect(lifetime.result.map((s) => s.metric.distribution)).toEqual([ecr]);
        const seconds = Number(lifetime.result[0]!.value[1]);
        expect(seconds).toBeGreaterThan(3600 - 15);
        expect(seconds).toBeLessThanOrEqual(3600);
        const restarts = await prometheus.api<{ result: Sample[] }>('query', { query: 'regcred_watch_restarts_total' });
        expect(restarts.result.length).toBeGreaterThan(0);
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }, 120_000);

  afterAll(async () => {
    clearInterval(traffic);
    await prometheus?.stop();
    await regcred?.kill();
    killServices();
    await kit?.cleanup();
    await aws?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const query = (expr: string) => prometheus.api<{ resultType: string; result: Sample[] }>('query', { query: expr });

  it("when Prometheus scrapes regcred's Service port path, then the target is up under job regcred", async () => {
    const up = await query('up{job="regcred"}');
    expect(up.result.map((s) => s.value[1])).toEqual(['1']);
  });

  it('when every metric a panel or an alert reads is looked up, then regcred declares it in /metrics (HELP and TYPE)', () => {
    const read = [...dashboardQueries().map((q) => q.expr), ...alertRules().map((r) => r.expr)].flatMap(metricNames);
    const missing = [...new Set(read)].filter((name) => !exported.has(name.replace(/_(bucket|count|sum)$/, '')));
    expect(missing).toEqual([]);
  });

  it('when every dashboard query is evaluated, then each returns a number', async () => {
    const empty: string[] = [];
    for (const { panel, expr } of dashboardQueries()) {
      const { result } = await query(withRateInterval(expr, RATE_INTERVAL));
      if (!result.some((s) => Number.isFinite(Number(s.value[1])))) empty.push(`${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
  });

  it('when the cloud panels are asked, then they show the ECR token alone: its mint, and most of its life ahead', async () => {
    const refreshes = await query('regcred_credential_refresh_total');
    // One mint, or more on a machine slow enough for a renewal to come due (at 50–55 % of the life, or earlier after a slow roll-out).
    expect(refreshes.result.map((s) => [s.metric.distribution, s.metric.provider, s.metric.result])).toEqual([[ecr, 'ecr', 'success']]);
    expect(Number(refreshes.result[0]!.value[1])).toBeGreaterThanOrEqual(1);
    const lifeLeft = dashboardQueries().find((q) => q.panel === 'Cloud token life left')!;
    const { result } = await query(lifeLeft.expr);
    expect(result.map((s) => s.metric.distribution)).toEqual([ecr]);
    // Renewed before half its life is gone: the share left never falls far below a half.
    expect(Number(result[0]!.value[1])).toBeGreaterThan(0.4);
  });

  it('when everything Prometheus stored from regcred is read, then no password, minted token or namespace name is in it', async () => {
    const series = await prometheus.api<Record<string, string>[]>('series', { 'match[]': '{job="regcred"}' });
    const text = JSON.stringify(series) + (await (await fetch(`${regcred.url}/metrics`)).text());
    expect(aws.minted().length).toBeGreaterThan(0);
    for (const secret of [CANARY, ...aws.minted().map((t) => t.password)]) expect(text).not.toContain(secret);
    expect(text).not.toContain(target);
  });

  it('when every alert expression is evaluated on the healthy service, then none holds, except the static credential 2 days from expiry', async () => {
    for (const rule of alertRules()) {
      const { result } = await query(rule.expr);
      if (rule.alert === 'RegcredStaticCredentialExpiringSoon') expect(result.map((s) => s.metric.distribution)).toEqual([near]);
      else expect(result, `${rule.alert} holds: ${JSON.stringify(result)}`).toEqual([]);
    }
  });

  it("when Prometheus evaluates the rule group itself, then every rule is healthy, inactive, and the 2-day credential's alert pending", async () => {
    await eventually(
      async () => {
        const { groups } = await prometheus.api<{
          groups: {
            name: string;
            rules: { name: string; health: string; state: string; lastError?: string; alerts: { labels: Record<string, string> }[] }[];
          }[];
        }>('rules');
        const rules = groups.flatMap((g) => g.rules);
        expect(rules.map((r) => r.name).sort()).toEqual(
          alertRules()
            .map((r) => r.alert)
            .sort(),
        );
        for (const rule of rules) {
          expect(rule.health, `${rule.name}: ${rule.lastError ?? ''}`).toBe('ok');
          expect(rule.state, rule.name).toBe(rule.name === 'RegcredStaticCredentialExpiringSoon' ? 'pending' : 'inactive');
        }
        const pending = rules.find((r) => r.name === 'RegcredStaticCredentialExpiringSoon')!;
        expect(pending.alerts.map((a) => a.labels.distribution)).toEqual([near]);
      },
      { timeoutMs: 10_000, intervalMs: 500 },
    );
  });
});

/** The metric families regcred declares (# TYPE lines), with or without samples. */
async function exportedMetricNames(url: string): Promise<Set<string>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
}
