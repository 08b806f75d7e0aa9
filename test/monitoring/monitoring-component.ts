import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

// What deploy/components/monitoring holds, read the way Prometheus and Grafana read it, and promtool.

export const COMPONENT = resolve(import.meta.dirname, '../../deploy/components/monitoring');
export const RULE_TESTS = resolve(import.meta.dirname, 'regcred-rules.test.yaml');
const PROMTOOL = '/usr/bin/promtool';
export const PROMETHEUS = '/usr/bin/prometheus';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The PrometheusRule's spec.groups: what a Prometheus loads from the rule file the operator writes. */
export function ruleGroups(): { name: string; rules: AlertRule[] }[] {
  const rule = parse(readFileSync(resolve(COMPONENT, 'prometheusrule.yaml'), 'utf8')) as {
    spec: { groups: { name: string; rules: AlertRule[] }[] };
  };
  return rule.spec.groups;
}

export const alertRules = (): AlertRule[] => ruleGroups().flatMap((group) => group.rules);

export interface DashboardQuery {
  panel: string;
  expr: string;
}

/** Every query of every panel of the Grafana dashboard. */
export function dashboardQueries(): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(resolve(COMPONENT, 'dashboard.json'), 'utf8')) as {
    panels: { type: string; title: string; targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
}

/** Grafana's `$__rate_interval`, as Grafana would fill it in for a short scrape interval. */
export const withRateInterval = (expr: string, interval: string) => expr.replaceAll('$__rate_interval', interval);

/** The metric names an expression reads: its identifiers once label matchers, ranges, grouping clauses and PromQL's own words are taken out. */
export function metricNames(expr: string): string[] {
  const words = new Set(
    'sum max min avg count rate increase irate histogram_quantile clamp_min time vector absent and or unless bool offset'.split(' '),
  );
  const bare = withRateInterval(expr, '1m')
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((name) => !words.has(name)))];
}

/** Debian's prometheus package (promtool and the server); with REGCRED_TEST_PROMETHEUS=required (CI) its absence fails instead of skipping. */
export function promtoolAvailable(): boolean {
  const present = existsSync(PROMTOOL) && existsSync(PROMETHEUS);
  if (!present && process.env.REGCRED_TEST_PROMETHEUS === 'required')
    throw new Error(
      'REGCRED_TEST_PROMETHEUS=required but /usr/bin/promtool or /usr/bin/prometheus is missing (apt-get install prometheus)',
    );
  return present;
}

export function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(PROMTOOL, args, { timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}
