import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

const deploy = resolve(import.meta.dirname, '../../deploy');
export const RULES_FILE = resolve(deploy, 'prometheus/relay-rules.yml');
export const RULE_TESTS_FILE = resolve(deploy, 'prometheus/relay-rules.test.yml');
export const DASHBOARD_FILE = resolve(deploy, 'grafana/relay.json');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleTest {
  input_series: { series: string; values: string }[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; datasource?: { type: string; uid: string } }[];
}

export interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: { type: string; name: string; query: string | { query: string } }[] };
}

export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

export function ruleTests(): RuleTest[] {
  return (parse(readFileSync(RULE_TESTS_FILE, 'utf8')) as { tests: RuleTest[] }).tests;
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every PromQL query of the dashboard: its panels' targets and its variables' label_values() metrics. */
export function dashboardQueries(): string[] {
  const board = dashboard();
  const targets = board.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  const variables = board.templating.list
    .filter((variable) => variable.type === 'query')
    .map((variable) => {
      const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
      return /^label_values\((.+), *\w+\)$/.exec(query)?.[1] ?? query;
    });
  return [...targets, ...variables];
}
