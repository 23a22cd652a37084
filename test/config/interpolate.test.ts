// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about the literal ${VAR} syntax
import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/config/interpolate.ts';

describe('interpolate', () => {
  it('replaces references inside every string value, nested in maps and lists', () => {
    const tree = { a: 'x-${A}-y', list: [{ b: '${B}' }, 'plain'], n: 3, t: true, z: null };
    const { value, problems } = interpolate(tree, { A: '1', B: '2' });
    expect(value).toEqual({ a: 'x-1-y', list: [{ b: '2' }, 'plain'], n: 3, t: true, z: null });
    expect(problems).toEqual([]);
  });

  it('uses the default when the variable is unset or empty, like the shell', () => {
    const tree = { a: '${UNSET:-fallback}', b: '${EMPTY:-fallback}', c: '${SET:-fallback}', d: '${UNSET:-}' };
    const { value, problems } = interpolate(tree, { EMPTY: '', SET: 'value' });
    expect(value).toEqual({ a: 'fallback', b: 'fallback', c: 'value', d: '' });
    expect(problems).toEqual([]);
  });

  it('keeps an empty but set variable without a default', () => {
    expect(interpolate({ a: '${EMPTY}' }, { EMPTY: '' })).toEqual({ value: { a: '' }, problems: [] });
  });

  it('reports each unset variable without a default at its path', () => {
    const { problems } = interpolate({ x: { list: ['ok', '${NOPE}'] }, y: '${ALSO_NOPE}' }, {});
    expect(problems).toEqual([
      { path: ['x', 'list', 1], reason: 'environment variable NOPE is not set' },
      { path: ['y'], reason: 'environment variable ALSO_NOPE is not set' },
    ]);
  });

  it('does not scan substituted values again, so a secret may hold ${ or # or quotes', () => {
    const secret = `a#b"c'd\${NOT_A_REF}`;
    const { value, problems } = interpolate({ s: '${S}' }, { S: secret });
    expect(value).toEqual({ s: secret });
    expect(problems).toEqual([]);
  });

  it('leaves keys alone', () => {
    expect(interpolate({ '${K}': 'v' }, { K: 'key' }).value).toEqual({ '${K}': 'v' });
  });

  it('reports a malformed reference instead of keeping it as text', () => {
    const { problems } = interpolate({ a: '${NOT CLOSED', b: '${1BAD}' }, {});
    expect(problems.map((p) => p.path)).toEqual([['a'], ['b']]);
    expect(problems[0]?.reason).toMatch(/^bad variable reference/);
  });

  it('does not change the tree it was given', () => {
    const tree = { a: ['${A}'] };
    interpolate(tree, { A: '1' });
    expect(tree).toEqual({ a: ['${A}'] });
  });

  it('reports a cycle made by an alias inside its own anchor instead of recursing forever', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    const { value, problems } = interpolate({ a: cyclic }, {});
    expect(value).toEqual({ a: { name: 'x', self: null } });
    expect(problems).toEqual([
      { path: ['a', 'self'], reason: 'refers to itself (a YAML alias inside its own anchor)' },
    ]);
  });
});
