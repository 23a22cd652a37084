import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { PRESET_NAMES, PRESETS } from '../../../src/config/presets/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const sourceOf = (yaml: string, baseDir = '/etc/relay') => {
  const config = parseConfig(`sources:\n  p: ${yaml}\n`, { env: {}, baseDir });
  return config.sources.p!;
};

describe('preset expansion', () => {
  it.each(PRESET_NAMES)(
    '%s expands from preset and secret alone into a source with a sample per shown payload',
    (name) => {
      const source = sourceOf(`{ preset: ${name}, secret: s3cret }`);
      expect(source.preset).toBe(name);
      expect(source.verify?.secrets).toEqual(['s3cret']);
      expect(source.type.kind).toBe('path');
      expect(source.id).toBeDefined();
      const shown = Object.entries(PRESETS[name].types).filter(([, t]) => t.sample);
      expect(source.samples?.map((s) => s.type)).toEqual(shown.map(([type]) => type));
      for (const sample of source.samples ?? []) {
        expect(sample.content_type).toBe('application/json');
        expect(() => JSON.parse(sample.body)).not.toThrow();
      }
      for (const type of Object.keys(PRESETS[name].types)) expect(type).toMatch(/^[a-z_]+$/);
    },
  );

  it('lets each key written beside preset replace the preset’s whole, and keeps the others', () => {
    const preset = sourceOf('{ preset: sendblue, secret: s }');
    const own = sourceOf(`
    preset: sendblue
    verify: { header: x-sendblue-secret, secret: mine }
    id: { header: Idempotency-Key }
    response: { status: 202 }`);
    expect(own.verify).toEqual({ scheme: 'header', header: 'x-sendblue-secret', secrets: ['mine'] });
    expect(own.id).toEqual({ kind: 'header', header: 'idempotency-key' });
    expect(own.response).toEqual({ status: 202, body: undefined, content_type: undefined });
    expect(own.type).toEqual(preset.type);
    expect(own.samples).toEqual(preset.samples);
    const typed = sourceOf(
      '{ preset: mobiniti, secret: s, type: { field: kind }, sample: { type: a, body: "{}" } }',
    );
    expect(typed.type).toEqual({ kind: 'field', field: 'kind', map: {}, default: undefined });
    expect(typed.samples).toEqual([{ type: 'a', body: '{}', content_type: 'application/json' }]);
    expect(typed.id).toEqual(sourceOf('{ preset: mobiniti, secret: s }').id);
  });

  it('takes a rotation list or a secret file for the provider’s secret', () => {
    expect(sourceOf('{ preset: textlink, secret: [new, old] }').verify).toEqual({
      scheme: 'body_field',
      field: 'secret',
      secrets: ['new', 'old'],
    });
    const dir = tempDir();
    writeFileSync(join(dir, 'mobiniti.token'), 'from-file\n');
    expect(sourceOf('{ preset: mobiniti, secret_file: mobiniti.token }', dir).verify).toEqual({
      scheme: 'query',
      param: 'token',
      secrets: ['from-file'],
    });
  });
});
