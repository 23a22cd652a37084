import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256, safeEqual } from '../../src/signing/hmac.ts';

describe('hmacSha256', () => {
  it('matches node:crypto over the concatenated parts', () => {
    const expected = createHmac('sha256', 'key').update('a.b.{"x":1}').digest();
    expect(hmacSha256('key', 'a.', Buffer.from('b.'), '{"x":1}').equals(expected)).toBe(true);
  });

  it('takes a Buffer key as raw bytes', () => {
    const key = Buffer.from([0, 255, 7]);
    const expected = createHmac('sha256', key).update('body').digest();
    expect(hmacSha256(key, 'body').equals(expected)).toBe(true);
  });
});

describe('safeEqual', () => {
  it('is true for equal strings and buffers, in any mix', () => {
    expect(safeEqual('s3cret', 's3cret')).toBe(true);
    expect(safeEqual(Buffer.from('s3cret'), 's3cret')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
  });

  it('is false for different values, including different lengths, without throwing', () => {
    expect(safeEqual('s3cret', 's3creT')).toBe(false);
    expect(safeEqual('s3cret', 's3cret!')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
    expect(safeEqual(Buffer.alloc(32), Buffer.alloc(33))).toBe(false);
  });
});
