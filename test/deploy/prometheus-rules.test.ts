import { describe, expect, it } from 'vitest';
import { alertRules, RULE_TESTS_FILE, RULES_FILE, ruleTests } from '../helpers/deploy.ts';
import { promtool } from '../helpers/promtool.ts';

const seconds = (duration: string) => {
  const [, n = '0', unit = 's'] = /^(\d+)([smh])$/.exec(duration) ?? [];
  return Number(n) * { s: 1, m: 60, h: 3600 }[unit as 's' | 'm' | 'h'];
};

describe('deploy/prometheus/relay-rules.yml', () => {
  it('passes promtool check rules', async () => {
    const result = await promtool(['check', 'rules', RULES_FILE]);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('SUCCESS: 9 rules found') });
  });

  it('passes its unit tests (promtool test rules)', async () => {
    const result = await promtool(['test', 'rules', RULE_TESTS_FILE]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('gives every alert a for:, a severity, and a summary and description', () => {
    for (const rule of alertRules()) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description?.length, rule.alert).toBeGreaterThan(80);
    }
  });

  it('has a unit test that sees each alert quiet, then firing, then cleared', () => {
    const evals = ruleTests().flatMap((test) => test.alert_rule_test);
    for (const { alert } of alertRules()) {
      const timeline = evals
        .filter((e) => e.alertname === alert)
        .sort((a, b) => seconds(a.eval_time) - seconds(b.eval_time))
        .map((e) => (e.exp_alerts.length > 0 ? 'firing' : 'quiet'));
      expect(timeline.join(' '), alert).toMatch(/^quiet (firing )+quiet$/);
    }
  });
});
