import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dashboard, dashboardQueries } from '../helpers/deploy.ts';
import { metricNames } from '../helpers/promql.ts';
import { promtool } from '../helpers/promtool.ts';
import { tempDir } from '../helpers/temp.ts';

/** Panels that ship with Grafana: importing the dashboard needs no plugin. */
const BUILT_IN_PANELS = new Set(['row', 'timeseries', 'stat', 'table', 'gauge', 'bargauge', 'text']);
// Grafana's variable syntax, not a template literal.
const DATASOURCE = { type: 'prometheus', uid: `\${datasource}` };

describe('deploy/grafana/relay.json', () => {
  const board = dashboard();

  it('is an importable dashboard whose every query uses the $datasource variable', () => {
    expect(board).toMatchObject({ title: 'relay', uid: expect.any(String) });
    expect(board.templating.list).toContainEqual(
      expect.objectContaining({ type: 'datasource', name: 'datasource', query: 'prometheus' }),
    );
    const ids = board.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of board.panels) {
      expect(BUILT_IN_PANELS, panel.title).toContain(panel.type);
      if (panel.type === 'row') continue;
      expect(panel.datasource, panel.title).toEqual(DATASOURCE);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource, panel.title).toEqual(DATASOURCE);
    }
  });

  it('shows what an operator of relay needs to see', () => {
    const shown = new Set(dashboardQueries().flatMap(metricNames));
    for (const metric of [
      'relay_events_received_total', // ingest rate
      'relay_events_rejected_total', // rejections by reason
      'relay_delivery_attempts_total', // attempts by outcome per endpoint
      'relay_deliveries_completed_total',
      'relay_end_to_end_seconds_bucket', // latency percentiles
      'relay_delivery_duration_seconds_bucket',
      'relay_queue_depth', // queue depth and oldest pending per endpoint
      'relay_oldest_pending_seconds',
      'relay_endpoint_state', // endpoint states
      'relay_store_commits_total', // commits per second
      'process_cpu_seconds_total', // process CPU and memory
      'process_resident_memory_bytes',
    ]) {
      expect(shown, metric).toContain(metric);
    }
  });

  it('queries only valid PromQL (promtool checks each as a recording rule)', async () => {
    // Grafana fills in its variables before Prometheus sees a query.
    const rules = dashboardQueries().map((query, i) => ({
      record: `dashboard:query_${i}`,
      expr: query.replaceAll('$__rate_interval', '5m').replace(/\$\w+/g, '.+'),
    }));
    const file = join(tempDir(), 'dashboard-queries.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = await promtool(['check', 'rules', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
