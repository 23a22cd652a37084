import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takeFormField, takeJsonField } from '../../src/ingest/body-field.ts';

function take(body: string, field = 'secret') {
  const taken = takeJsonField(Buffer.from(body), field);
  return taken && { value: taken.value, body: taken.body.toString() };
}

describe('takeJsonField', () => {
  it('removes the first, a middle, the last or the only member with one comma', () => {
    expect(take('{"secret":"s","a":1,"b":2}')).toEqual({ value: 's', body: '{"a":1,"b":2}' });
    expect(take('{"a":1,"secret":"s","b":2}')).toEqual({ value: 's', body: '{"a":1,"b":2}' });
    expect(take('{"a":1,"b":2,"secret":"s"}')).toEqual({ value: 's', body: '{"a":1,"b":2}' });
    expect(take('{"secret":"s"}')).toEqual({ value: 's', body: '{}' });
  });

  it('keeps whitespace and newlines around the other members', () => {
    const pretty = '{\n  "a": 1,\n  "secret" : "s",\n  "b": [1, 2]\n}\n';
    expect(take(pretty)?.body).toBe('{\n  "a": 1,\n  "b": [1, 2]\n}\n');
    const last = '{\r\n\t"a": 1 ,\r\n\t"secret": "s"\r\n}';
    expect(take(last)?.body).toBe('{\r\n\t"a": 1\r\n}');
    expect(take(' { "secret" : "s" } ')?.body).toBe(' {  } ');
  });

  it('matches keys written with escapes, compared decoded', () => {
    expect(take('{"a":1,"sec\\u0072et":"s"}')).toEqual({ value: 's', body: '{"a":1}' });
    expect(take('{"se\\"cret":"x","secret":"s"}')).toEqual({ value: 's', body: '{"se\\"cret":"x"}' });
    expect(take('{"k\\u00e9y":"s","a":1}', 'kéy')).toEqual({ value: 's', body: '{"a":1}' });
  });

  it('never touches a nested member with the same name, nor strings that look like one', () => {
    const body =
      '{"data":{"secret":"inner","list":[{"secret":1}]},"note":"\\"secret\\":\\"x\\"","secret":"s"}';
    expect(take(body)).toEqual({
      value: 's',
      body: '{"data":{"secret":"inner","list":[{"secret":1}]},"note":"\\"secret\\":\\"x\\""}',
    });
    expect(take('{"data":{"secret":"inner"}}')).toBeUndefined();
  });

  it('keeps big integers and other numbers byte-exact', () => {
    const body = '{"id":12345678901234567890123,"secret":"s","f":1.50e+10,"neg":-0.0,"t":true,"z":null}';
    expect(take(body)?.body).toBe('{"id":12345678901234567890123,"f":1.50e+10,"neg":-0.0,"t":true,"z":null}');
  });

  it('returns any JSON value, and UTF-8 elsewhere unchanged', () => {
    expect(take('{"secret":{"k":[1,"}"]},"msg":"héllo 👋"}')).toEqual({
      value: { k: [1, '}'] },
      body: '{"msg":"héllo 👋"}',
    });
    expect(take('{"secret":12345678901234567890123}')?.body).toBe('{}');
  });

  it('is undefined when the body is not a JSON object or lacks the member', () => {
    for (const body of ['', '[{"secret":"s"}]', '"secret"', 'secret=s', '{"secret":"s"', '{"secret":"s"}x']) {
      expect(take(body), body).toBeUndefined();
    }
    expect(take('{}')).toBeUndefined();
    expect(take('{"a":1}')).toBeUndefined();
    expect(take('{"secret" "s"}')).toBeUndefined();
  });

  it('takes the first of duplicated keys, leaving the second for the caller to see', () => {
    expect(take('{"secret":"a","secret":"b"}')).toEqual({ value: 'a', body: '{"secret":"b"}' });
  });
});

describe('takeJsonField on generated objects', () => {
  it('gives the same result as parse, delete, compare, whatever the layout', () => {
    const members = fc.uniqueArray(fc.tuple(fc.string(), fc.jsonValue()), {
      selector: ([k]) => k,
      maxLength: 6,
    });
    const layout = fc.constantFrom(undefined, 0, 1, 2, '\t');
    fc.assert(
      fc.property(members, fc.nat(), fc.string(), layout, (entries, at, secret, indent) => {
        const others = entries.filter(([k]) => k !== 'secret');
        const withSecret = [...others];
        withSecret.splice(at % (others.length + 1), 0, ['secret', secret]);
        const body = Buffer.from(JSON.stringify(Object.fromEntries(withSecret), null, indent));
        const taken = takeJsonField(body, 'secret');
        expect(taken?.value).toBe(secret);
        expect(JSON.parse(taken!.body.toString())).toEqual(
          JSON.parse(JSON.stringify(Object.fromEntries(others))),
        );
      }),
    );
  });
});

function takeForm(body: string, field = 'secret') {
  const taken = takeFormField(Buffer.from(body), field);
  return taken && { value: taken.value, body: taken.body.toString() };
}

describe('takeFormField', () => {
  it('removes the first, a middle, the last or the only pair with one ampersand', () => {
    expect(takeForm('secret=s&a=1&b=2')).toEqual({ value: 's', body: 'a=1&b=2' });
    expect(takeForm('a=1&secret=s&b=2')).toEqual({ value: 's', body: 'a=1&b=2' });
    expect(takeForm('a=1&b=2&secret=s')).toEqual({ value: 's', body: 'a=1&b=2' });
    expect(takeForm('secret=s')).toEqual({ value: 's', body: '' });
  });

  it('decodes names and values but leaves other pairs byte-exact', () => {
    expect(takeForm('text=hi+there%21&s%65cret=a+b%26c&n=12345678901234567890123')).toEqual({
      value: 'a b&c',
      body: 'text=hi+there%21&n=12345678901234567890123',
    });
    expect(takeForm('a=%ZZ&secret=s')).toEqual({ value: 's', body: 'a=%ZZ' });
    expect(takeForm('secret&a=1')).toEqual({ value: '', body: 'a=1' });
  });

  it('does not match names that merely contain the field', () => {
    expect(takeForm('my_secret=s&secrets=t')).toBeUndefined();
    expect(takeForm('')).toBeUndefined();
    expect(takeForm('a=secret')).toBeUndefined();
  });
});
