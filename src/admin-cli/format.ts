/**
 * Plain-text output for the ops commands: aligned tables with a header row,
 * and short human renderings of ages and times. Scripts use `--json`.
 */

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** 42 → "42s", 3700 → "1h1m", null → "-". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** How long before `now` an ISO time was, as "3m05s ago". */
export function ago(isoTime: string | null | undefined, now = Date.now()): string {
  if (!isoTime) return '-';
  return `${duration((now - Date.parse(isoTime)) / 1000)} ago`;
}

/** The outcome of one request: "200", "500", or the error code when no answer came. */
export function outcome(status: number | null, error: string | null): string {
  if (status !== null) return String(status);
  return error ?? '-';
}

/** An answer's text on one line, cut to `max` characters. */
export function snippet(text: string | null, max = 80): string {
  if (!text) return '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
