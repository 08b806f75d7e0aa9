import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/poll.js';
import { kubectl, kubectlAvailable } from '../support/kubectl.js';
import { KitObjects } from '../support/regcred-replicas.js';
import { adminKubeConfig, realClusterAvailable, uniqueName } from '../support/real-cluster.js';
import { find, render, type KubeObject } from '../deploy/kustomize.js';
import { alertRules } from './monitoring-component.js';

// deploy/overlays/monitoring-example (the base plus deploy/components/monitoring) rendered by
// kustomize, and the component's objects dry-run on the kit against minimal ServiceMonitor and
// PrometheusRule CRDs (test/fixtures/monitoring-crds.yaml): accepted, and nothing pruned. The base
// itself is dry-run by test/deploy/manifests.test.ts.

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = resolve(ROOT, 'deploy/overlays/monitoring-example');
const KUBE_1_20 = [resolve(ROOT, 'deploy/components/pdb-policy-v1beta1')];
const CRDS = resolve(ROOT, 'test/fixtures/monitoring-crds.yaml');
const COMPONENT_KINDS = ['ServiceMonitor', 'PrometheusRule', 'ConfigMap'];

if (!kubectlAvailable()) console.warn('SKIPPED test/monitoring/component-manifests.test.ts: kubectl is not on PATH (CI installs it)');

describe.skipIf(!kubectlAvailable())('deploy/components/monitoring (kubectl kustomize deploy/overlays/monitoring-example)', () => {
  let objects: KubeObject[];
  beforeAll(async () => ({ objects } = await render(EXAMPLE, KUBE_1_20)));
  const service = () => find(objects, 'Service', 'regcred')[0];

  it('when rendered, then the base comes with a ServiceMonitor, a PrometheusRule and the dashboard ConfigMap in namespace regcred', () => {
    for (const kind of COMPONENT_KINDS)
      expect(
        find(objects, kind, undefined, 'regcred').map((o) => o.metadata.name),
        kind,
      ).toEqual([kind === 'ConfigMap' ? 'regcred-dashboard' : 'regcred']);
    expect(find(objects, 'Deployment', 'regcred')).toHaveLength(1);
  });

  it("when the ServiceMonitor selects, then it picks the Service by its labels and scrapes its http port's /metrics, which regcred serves without a token", () => {
    const [monitor] = find(objects, 'ServiceMonitor', 'regcred');
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels as Record<string, string>))
      expect(service().metadata.labels?.[key], key).toBe(value);
    expect(monitor.spec.namespaceSelector.matchNames).toEqual([service().metadata.namespace]);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics', scheme: 'http' })]);
    expect(service().spec.ports.map((p: { name: string }) => p.name)).toContain('http');
  });

  it('when Grafana looks for dashboards, then the ConfigMap carries grafana_dashboard: "1" and the dashboard JSON with every panel on a Prometheus data source', () => {
    const [configMap] = find(objects, 'ConfigMap', 'regcred-dashboard');
    expect(configMap.metadata.labels?.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(configMap.data['regcred-dashboard.json'] as string) as {
      uid: string;
      panels: { type: string; datasource?: { type: string } }[];
    };
    expect(dashboard.uid).toBe('regcred');
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(panel.datasource?.type).toBe('prometheus');
  });

  it("when the PrometheusRule is rendered, then it holds the alerts the promtool tests cover, with the example overlay's rule-selector label", () => {
    const [rule] = find(objects, 'PrometheusRule', 'regcred');
    expect(rule.spec.groups.flatMap((g: { rules: { alert: string }[] }) => g.rules.map((r) => r.alert))).toEqual(
      alertRules().map((r) => r.alert),
    );
    expect(rule.metadata.labels?.release).toBe('kube-prometheus-stack');
    // docs/operations.md removes it by this index (guarded by a JSON-patch test op) where the controller is off.
    expect(rule.spec.groups[0].rules[5].alert).toBe('RegcredNoLeader');
  });

  it('when the dashboard and the rules are read for labels, then none groups by a namespace, a secret or anything unbounded', () => {
    const text =
      JSON.stringify(find(objects, 'PrometheusRule', 'regcred')[0].spec) +
      find(objects, 'ConfigMap', 'regcred-dashboard')[0].data['regcred-dashboard.json'];
    for (const label of ['namespace', 'secret', 'pod', 'server', 'username'])
      expect(text, `groups by ${label}`).not.toMatch(new RegExp(`by \\([^)]*\\b${label}\\b`));
  });

  describe.skipIf(!realClusterAvailable())('on the kit, against minimal monitoring.coreos.com CRDs', () => {
    let kit: KitObjects;
    let namespace: string;
    beforeAll(async () => {
      const applied = await kubectl(['apply', '-f', CRDS]);
      expect(applied.code, applied.stderr).toBe(0);
      await eventually(
        async () => {
          const established = await kubectl(['wait', '--for=condition=Established', '--timeout=5s', '-f', CRDS]);
          expect(established.code, established.stderr).toBe(0);
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      kit = new KitObjects(adminKubeConfig());
      namespace = uniqueName('regcred-monitoring');
      await kit.createNamespaces([namespace]);
    }, 60_000);
    afterAll(() => kit?.cleanup(), 60_000);

    it("when the component's objects are applied (server-side dry run, in a namespace of the test's own), then the API server accepts them and prunes no field", async () => {
      const mine = objects
        .filter((o) => COMPONENT_KINDS.includes(o.kind))
        .map((o): KubeObject => ({ ...o, metadata: { ...o.metadata, namespace } }));
      const result = await kubectl(
        ['apply', '--dry-run=server', '-o', 'json', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: mine }),
      );
      expect(result.stderr.replace(/^Warning: .*last-applied-configuration.*\n?/gm, '')).toBe('');
      expect(result.code).toBe(0);
      const answered = JSON.parse(result.stdout) as { items: KubeObject[] };
      for (const sent of mine) {
        const kept = answered.items.find((o) => o.kind === sent.kind && o.metadata.name === sent.metadata.name);
        expect(kept, sent.kind).toBeDefined();
        expect(kept!.spec ?? kept!.data, `${sent.kind}: a field the CRD does not know was pruned`).toEqual(sent.spec ?? sent.data);
      }
    });

    it('when a rule has a malformed duration, then the stand-in CRD refuses it, as the real one does (the dry run checks something)', async () => {
      const [rule] = find(objects, 'PrometheusRule', 'regcred');
      const broken = structuredClone(rule);
      broken.metadata.namespace = namespace;
      broken.spec.groups[0].rules[0].for = 'ten minutes';
      const result = await kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(broken));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/spec\.groups.*for/);
    });
  });
});
