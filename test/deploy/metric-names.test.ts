import { describe, expect, it } from 'vitest';
import { busyRelay } from '../helpers/busy-relay.ts';
import { alertRules, dashboardQueries, ruleTests } from '../helpers/deploy.ts';
import { metricNames } from '../helpers/promql.ts';

/** Series Prometheus makes itself for every scrape target, not found in /metrics. */
const PROMETHEUS_OWN = new Set(['up']);

/** Every series name an exposition holds or declares (a histogram's _bucket, _sum and _count too). */
function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const declared = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (declared) {
      const [, name = '', type] = declared;
      names.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
    } else if (line && !line.startsWith('#')) {
      names.add(/^[^{ ]+/.exec(line)![0]);
    }
  }
  return names;
}

describe('the operations kit', () => {
  it('names only metrics relay exposes: the dashboard, the alert rules and their unit tests', async () => {
    const exposed = exposedNames((await busyRelay()).metrics);
    const named: [string, string][] = [
      ...dashboardQueries().flatMap((query) =>
        metricNames(query).map((m): [string, string] => ['dashboard', m]),
      ),
      ...alertRules().flatMap((rule) => metricNames(rule.expr).map((m): [string, string] => [rule.alert, m])),
      ...ruleTests().flatMap((test) =>
        test.input_series.map(({ series }): [string, string] => ['rule tests', /^[^{]+/.exec(series)![0]]),
      ),
    ];
    expect(named.length).toBeGreaterThan(40);
    const unknown = named.filter(([, metric]) => !exposed.has(metric) && !PROMETHEUS_OWN.has(metric));
    expect(unknown.map(([where, metric]) => `${where}: ${metric}`)).toEqual([]);
  });
});
