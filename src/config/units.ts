/**
 * The units config values are written in: durations, byte sizes and rates.
 * Each parser accepts only the exact forms below and throws a RangeError
 * otherwise, so a typo such as `5sec` or `1 MiB` is refused rather than guessed.
 */

const MS_PER_UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const BYTES_PER_UNIT = {
  B: 1,
  KB: 1_000,
  KiB: 1_024,
  MB: 1_000_000,
  MiB: 1_024 ** 2,
  GB: 1_000_000_000,
  GiB: 1_024 ** 3,
} as const;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const SIZE = /^(\d+(?:\.\d+)?)(B|KB|KiB|MB|MiB|GB|GiB)$/;
const RATE = /^(\d+(?:\.\d+)?)\/(.+)$/;
const BARE_UNIT = /^(ms|s|m|h|d)$/;

/** `500ms`, `5s`, `2m`, `1h`, `3d`, `1.5h` → milliseconds (rounded to a whole ms). */
export function parseDuration(s: string): number {
  const match = DURATION.exec(s);
  if (!match) throw new RangeError(`invalid duration "${s}": use a number and one of ms, s, m, h, d`);
  const [, amount, unit] = match as unknown as [string, string, keyof typeof MS_PER_UNIT];
  return Math.round(Number(amount) * MS_PER_UNIT[unit]);
}

/** `512B`, `64KiB`, `1MiB`, `2GB` → bytes. KiB is 1024 bytes, KB is 1000. */
export function parseSize(s: string): number {
  const match = SIZE.exec(s);
  if (!match)
    throw new RangeError(`invalid size "${s}": use a number and one of B, KB, KiB, MB, MiB, GB, GiB`);
  const [, amount, unit] = match as unknown as [string, string, keyof typeof BYTES_PER_UNIT];
  return Math.round(Number(amount) * BYTES_PER_UNIT[unit]);
}

/** `50/s`, `600/m`, `10/1s`, `5/500ms` → requests per second. Both sides must be above zero. */
export function parseRate(s: string): { perSecond: number } {
  const match = RATE.exec(s);
  const invalid = new RangeError(`invalid rate "${s}": use a count and a duration, like 50/s or 600/m`);
  if (!match) throw invalid;
  const [, count, per] = match as unknown as [string, string, string];
  const window = BARE_UNIT.test(per) ? MS_PER_UNIT[per as keyof typeof MS_PER_UNIT] : parseDuration(per);
  const perSecond = (Number(count) * 1_000) / window;
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw invalid;
  return { perSecond };
}
