import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/poll.js';
import { applyDistributionCrd } from '../support/distribution-crd.js';
import { adminKubeConfig, kitKubeconfigPath, kitSuiteTitle, realClusterAvailable, uniqueName } from '../support/real-cluster.js';
import { KitObjects, startReplica, type Replica } from '../support/regcred-replicas.js';
import { killServices } from '../support/service-process.js';
import { alertRules, dashboardQueries, metricNames, promtoolAvailable, withRateInterval } from './monitoring-component.js';
import { startPrometheus, type PrometheusProcess } from './prometheus-process.js';

// A real Prometheus (Debian's, 1 s scrapes, the component's rules loaded) scrapes a real regcred on
// the kit with its controller on and two static distributions (one expiring in 30 days, one in 2).
// Every dashboard query and alert expression is asked through Prometheus's HTTP API: panels return
// data, alerts on the healthy service are quiet, and the 2-day credential is pending in
// RegcredStaticCredentialExpiringSoon. So no panel or alert reads a metric regcred does not export.

const enabled = realClusterAvailable() && promtoolAvailable();
if (realClusterAvailable() && !promtoolAvailable())
  console.warn("SKIPPED test/monitoring/live-prometheus.test.ts: Debian's prometheus is not installed (CI installs it)");

/** Series that exist only after a cloud mint (a cloud source, which needs a cloud identity): checked as declared instead. */
const AFTER_A_MINT = ['regcred_credential_refresh_total', 'regcred_credential_lifetime_seconds'];
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
  const far = uniqueName('mon-far');
  const near = uniqueName('mon-near');

  beforeAll(async () => {
    const kubeconfig = kitKubeconfigPath();
    kit = new KitObjects(adminKubeConfig());
    await applyDistributionCrd(kubeconfig);
    const own = uniqueName('regcred-mon');
    const target = uniqueName('mon-target');
    await kit.createNamespaces([own, target]);
    // Short watches and resyncs, so that restarts and reconciles happen within the test.
    regcred = await startReplica(kubeconfig, own, {
      REGCRED_CONTROLLER: 'on',
      REGCRED_WATCH_TIMEOUT_SECONDS: '2',
      REGCRED_CONTROLLER_RESYNC_SECONDS: '2',
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
          password: 'not-a-real-password',
          namespaces: [target],
          secretName: name,
          expiresAt: new Date(Date.now() + days * DAY_MS).toISOString(),
        }),
      });
      expect(response.status, await response.text()).toBeLessThan(300);
    }
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
        expect(inSync.result.map((s) => s.metric.distribution).sort()).toEqual([far, near].sort());
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

  it('when every dashboard query is evaluated, then each returns a number (those that need a cloud mint: declared, see above)', async () => {
    const empty: string[] = [];
    for (const { panel, expr } of dashboardQueries()) {
      if (AFTER_A_MINT.some((name) => expr.includes(name))) continue;
      const { result } = await query(withRateInterval(expr, RATE_INTERVAL));
      if (!result.some((s) => Number.isFinite(Number(s.value[1])))) empty.push(`${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
    const skipped = dashboardQueries().filter(({ expr }) => AFTER_A_MINT.some((name) => expr.includes(name)));
    expect(skipped.map((q) => q.panel).sort()).toEqual(['Cloud token life left', 'Token refreshes']);
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
