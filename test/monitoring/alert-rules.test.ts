import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { RULE_TESTS, alertRules, metricNames, promtool, promtoolAvailable, ruleGroups } from './monitoring-component.js';

// The alerts of deploy/components/monitoring, as a Prometheus loads them: the PrometheusRule's
// spec.groups written to a rule file, checked by promtool and unit-tested with its series
// (regcred-rules.test.yaml) — every alert fires on the series that should fire it and stays quiet
// on a healthy one.

if (!promtoolAvailable())
  console.warn("SKIPPED test/monitoring/alert-rules.test.ts: promtool is not installed (CI installs Debian's prometheus)");

interface RuleTest {
  alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
}

describe.skipIf(!promtoolAvailable())('the PrometheusRule of deploy/components/monitoring (promtool)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'regcred-rules-'));
    writeFileSync(join(dir, 'regcred-rules.yaml'), stringify({ groups: ruleGroups() }));
    copyFileSync(RULE_TESTS, join(dir, 'regcred-rules.test.yaml'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when its groups are written to a rule file, then promtool check rules accepts every rule', async () => {
    const result = await promtool(['check', 'rules', join(dir, 'regcred-rules.yaml')]);
    expect(result.output).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(result.code, result.output).toBe(0);
  });

  it('when every alert has a summary, a description and a runbook section, then its name is unique and its severity warning or critical', () => {
    const names = alertRules().map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    const runbook = readFileSync(join(import.meta.dirname, '../../docs/operations.md'), 'utf8');
    for (const rule of alertRules()) {
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook, rule.alert).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`);
      expect(runbook, `docs/operations.md has no "#### ${rule.alert}" section`).toContain(`#### ${rule.alert}\n`);
      expect(['warning', 'critical']).toContain(rule.labels.severity);
    }
  });

  it('when the unit tests list their cases, then every alert has one that fires it and one that stays quiet', () => {
    const tests = (parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: RuleTest[] }).tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of alertRules()) {
      const cases = tests.filter((t) => t.alertname === alert);
      expect(
        cases.some((c) => c.exp_alerts.length > 0),
        `${alert} never fires in regcred-rules.test.yaml`,
      ).toBe(true);
      expect(
        cases.some((c) => c.exp_alerts.length === 0),
        `${alert} is never shown quiet in regcred-rules.test.yaml`,
      ).toBe(true);
    }
    for (const t of tests) expect(alertRules().map((rule) => rule.alert)).toContain(t.alertname);
  });

  it('when promtool test rules runs the series, then every alert fires where it should and stays quiet on healthy series', async () => {
    const result = await promtool(['test', 'rules', join(dir, 'regcred-rules.test.yaml')]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});

describe('metricNames, which the live Prometheus test checks against /metrics', () => {
  it('when an expression has matchers, ranges, grouping and functions, then only the metric names are left', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="regcred",route!~"/a|/b"}[$__rate_interval]))) / on (x) group_left (y) max(regcred_controller_leader) unless absent(up)',
      ),
    ).toEqual(['http_request_duration_seconds_bucket', 'regcred_controller_leader', 'up']);
  });
});
