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

  it('describes endpoints as written in YAML: a url, or an email block', () => {
    const endpoint = schema.properties.endpoints.additionalProperties;
    // One of the two is required; a JSON Schema of the input side cannot say which, load does.
    expect(endpoint.required ?? []).toEqual([]);
    expect(Object.keys(endpoint.properties)).toEqual(expect.arrayContaining(['url', 'email']));
    expect(endpoint.properties.email.required).toEqual(['from', 'to']);
    expect(endpoint.properties.timeout.type).toBe('string');
    expect(endpoint.additionalProperties).toBe(false);
  });

  it('shows the defaults an editor can offer', () => {
    expect(schema.properties.listen.properties.ingest.default).toBe('0.0.0.0:8080');
    expect(schema.properties.defaults.properties.concurrency.default).toBe(8);
  });

  it('lets a source name a preset and give its secret', () => {
    const source = schema.properties.sources.additionalProperties;
    expect(source.properties.preset.enum).toEqual([
      'sendblue',
      'textlink',
      'blububl',
      'mobiniti',
      'bluemessaggio',
    ]);
    expect(source.properties).toHaveProperty('secret');
    expect(source.properties).toHaveProperty('secret_file');
    expect(source.additionalProperties).toBe(false);
  });
});
