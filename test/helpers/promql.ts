/** PromQL words that are not metric names. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression (or a Grafana query, with its `$`
 * variables) reads. Good enough for the expressions we write: label matchers,
 * ranges, grouping clauses and strings are dropped first, then every remaining
 * identifier that is not a function call or a keyword is a metric.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '');
  const names = new Set<string>();
  for (const match of bare.matchAll(/\d[\w.+-]*|([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (name !== undefined && call === undefined && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}
