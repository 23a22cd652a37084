import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.ts';

describe('configJsonSchema', () => {
  const schema = JSON.parse(JSON.stringify(configJsonSchema()));

  it('is a JSON-serializable object describing every top-level section', () => {
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        'admin',
        'cluster',
        'defaults',
        'delivery',
        'endpoints',
        'limits',
        'listen',
        'routes',
        'sources',
        'storage',
      ].sort(),
    );
    expect(schema.required ?? []).toEqual([]);
  });

  it('describes endpoints as written in YAML, with url required', () => {
    const endpoint = schema.properties.endpoints.additionalProperties;
    expect(endpoint.required).toEqual(['url']);
    expect(endpoint.properties.timeout.type).toBe('string');
    expect(endpoint.additionalProperties).toBe(false);
  });

  it('shows the defaults an editor can offer', () => {
    expect(schema.properties.listen.properties.ingest.default).toBe('0.0.0.0:8080');
    expect(schema.properties.defaults.properties.concurrency.default).toBe(8);
  });
});
