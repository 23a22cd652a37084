import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminRoutes } from '../src/admin/routes.ts';
import { configJsonSchema } from '../src/config/json-schema.ts';
import { RESTART_ONLY_SETTINGS } from '../src/config/restart-only.ts';
import { errorStatus } from '../src/errors.ts';
import { RelayMetrics } from '../src/metrics.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');

describe('the README documents', () => {
  it('every error code', () => {
    const missing = Object.keys(errorStatus).filter((code) => !readme.includes(code));
    expect(missing).toEqual([]);
  });

  it('every admin route, with its role, in the Admin API table', () => {
    const missing = adminRoutes
      .map((route) => `| \`${route.method} /admin/${route.path}\` | ${route.role} |`)
      .filter((row) => !readme.includes(row));
    expect(missing).toEqual([]);
  });

  it('every relay_* metric', async () => {
    const names = (await new RelayMetrics().registry.getMetricsAsJSON())
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('relay_'));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('which settings need a restart, in the reload table', () => {
    const table = readme.slice(readme.indexOf('| setting | on reload |'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n');
    const restartOnly = rows
      .filter((row) => row.includes('**restart only**'))
      .flatMap((row) => [...row.matchAll(/`([a-z_.]+)`/g)].map((match) => match[1]));
    expect(restartOnly.sort()).toEqual([...RESTART_ONLY_SETTINGS].sort());
  });

  it('every config key of the top-level sections', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    const keys: string[] = [];
    for (const [section, value] of Object.entries(schema.properties)) {
      for (const key of Object.keys(value.properties ?? {})) keys.push(`${section}.${key}`);
    }
    expect(keys.length).toBeGreaterThan(15);
    expect(keys.filter((key) => !readme.includes(`\`${key}`))).toEqual([]);
  });
});
