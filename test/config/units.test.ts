import { describe, expect, it } from 'vitest';
import { parseDuration, parseRate, parseSize } from '../../src/config/units.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['0s', 0],
    ['5s', 5_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['3d', 259_200_000],
    ['1.5h', 5_400_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '5 s', '5sec', '-5s', '1h30m', 's', '.5s', '5S'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
  });
});

describe('parseSize', () => {
  it.each([
    ['512B', 512],
    ['64KiB', 65_536],
    ['64KB', 64_000],
    ['1MiB', 1_048_576],
    ['1MB', 1_000_000],
    ['2GiB', 2_147_483_648],
    ['1GB', 1_000_000_000],
    ['1.5KiB', 1_536],
  ])('%s is %i bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['1', '1 MiB', '1mib', '1MIB', '1TB', 'MiB', '-1KiB'])('refuses %j', (text) => {
    expect(() => parseSize(text)).toThrow(RangeError);
  });
});

describe('parseRate', () => {
  it.each([
    ['50/s', 50],
    ['600/m', 10],
    ['3600/h', 1],
    ['10/1s', 10],
    ['5/500ms', 10],
    ['1/2s', 0.5],
  ])('%s is %d per second', (text, perSecond) => {
    expect(parseRate(text)).toEqual({ perSecond });
  });

  it.each(['50', '50/', '/s', '0/s', '5/0s', '50 per second', '50/sec', '-1/s'])('refuses %j', (text) => {
    expect(() => parseRate(text)).toThrow(RangeError);
  });
});
