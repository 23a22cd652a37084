/**
 * Removes a secret carried inside a body (TextLink's `"secret"`) before the
 * body is stored, without re-serializing: relay stores and forwards the bytes it
 * received, so big integers, key order and whitespace must survive untouched.
 * Only the top-level member and one adjacent separator are cut out.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(body: Buffer, i: number): number {
  while (isSpace(body[i])) i++;
  return i;
}

/** `i` is at an opening quote; returns the index after the closing one, or -1. */
function skipString(body: Buffer, i: number): number {
  for (let j = i + 1; j < body.length; j++) {
    const byte = body[j];
    if (byte === BACKSLASH) j++;
    else if (byte === QUOTE) return j + 1;
  }
  return -1;
}

/** Returns the index after the value starting at `i`, or -1 when it is not closed. */
function skipValue(body: Buffer, i: number): number {
  const first = body[i];
  if (first === QUOTE) return skipString(body, i);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < body.length; j++) {
      const byte = body[j];
      if (byte === QUOTE) {
        j = skipString(body, j);
        if (j === -1) return -1;
        j--;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // A number or a literal: it runs to the next separator.
  let j = i;
  while (j < body.length && body[j] !== COMMA && body[j] !== CLOSE_BRACE && !isSpace(body[j])) j++;
  return j > i ? j : -1;
}

function keyEquals(body: Buffer, start: number, end: number, field: Buffer, fieldText: string): boolean {
  const raw = body.subarray(start + 1, end - 1);
  if (!raw.includes(BACKSLASH)) return raw.equals(field);
  try {
    return JSON.parse(body.toString('utf8', start, end)) === fieldText;
  } catch {
    return false;
  }
}

type Member = { keyStart: number; valueStart: number; valueEnd: number };

/**
 * Finds the top-level member `field` of a JSON object body and returns its
 * parsed value and the body without it. Undefined when the body is not a JSON
 * object or has no such member. With a duplicated key, the first one is taken.
 */
export function takeJsonField(body: Buffer, field: string): { value: unknown; body: Buffer } | undefined {
  const fieldBytes = Buffer.from(field, 'utf8');
  let i = skipSpace(body, 0);
  if (body[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(body, i + 1);

  const members: Member[] = [];
  let found = -1;
  if (body[i] === CLOSE_BRACE) i++;
  else {
    for (;;) {
      if (body[i] !== QUOTE) return undefined;
      const keyStart = i;
      const keyEnd = skipString(body, i);
      if (keyEnd === -1) return undefined;
      i = skipSpace(body, keyEnd);
      if (body[i] !== COLON) return undefined;
      const valueStart = skipSpace(body, i + 1);
      const valueEnd = skipValue(body, valueStart);
      if (valueEnd === -1) return undefined;
      if (found === -1 && keyEquals(body, keyStart, keyEnd, fieldBytes, field)) found = members.length;
      members.push({ keyStart, valueStart, valueEnd });
      i = skipSpace(body, valueEnd);
      if (body[i] === CLOSE_BRACE) break;
      if (body[i] !== COMMA) return undefined;
      i = skipSpace(body, i + 1);
    }
    i++;
  }
  // Trailing bytes other than whitespace mean this is not one JSON object.
  if (skipSpace(body, i) !== body.length) return undefined;

  const member = members[found];
  if (member === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8', member.valueStart, member.valueEnd));
  } catch {
    return undefined;
  }

  // Cut up to the next key (taking the comma and the whitespace that follows
  // it, so the next member inherits this one's indentation), or for the last
  // member from the end of the previous value (taking the comma before it).
  const next = members[found + 1];
  const previous = members[found - 1];
  const [cutStart, cutEnd] = next
    ? [member.keyStart, next.keyStart]
    : previous
      ? [previous.valueEnd, member.valueEnd]
      : [member.keyStart, member.valueEnd];
  return { value, body: Buffer.concat([body.subarray(0, cutStart), body.subarray(cutEnd)]) };
}

const AMPERSAND = 0x26;

function formDecode(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    // An invalid escape: compare the text as sent, as URLSearchParams would keep it.
    return text;
  }
}

/**
 * The same for application/x-www-form-urlencoded bodies: removes the first
 * `field=value` pair and one `&`, returning the decoded value.
 */
export function takeFormField(body: Buffer, field: string): { value: string; body: Buffer } | undefined {
  let previousEnd = -1;
  for (let start = 0; start <= body.length; ) {
    let end = body.indexOf(AMPERSAND, start);
    if (end === -1) end = body.length;
    const pair = body.toString('utf8', start, end);
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (pair !== '' && formDecode(name) === field) {
      const value = eq === -1 ? '' : formDecode(pair.slice(eq + 1));
      // Take the `&` after the pair, or before it when it is the last one.
      const [cutStart, cutEnd] =
        end < body.length ? [start, end + 1] : previousEnd >= 0 ? [previousEnd, end] : [start, end];
      return { value, body: Buffer.concat([body.subarray(0, cutStart), body.subarray(cutEnd)]) };
    }
    previousEnd = end;
    start = end + 1;
  }
  return undefined;
}
