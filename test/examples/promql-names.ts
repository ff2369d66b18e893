/**
 * The metric names a PromQL expression reads, for checking a dashboard against a scrape. Not a PromQL
 * parser: it removes what cannot hold a metric name (strings, label matchers, ranges, grouping label lists,
 * Grafana's `$variables`), then keeps the identifiers that are not functions, keywords or numbers.
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\()?)/g)) {
    const [name] = match;
    if (match[1] === '(' || KEYWORDS.has(name.toLowerCase())) continue;
    // A number's exponent (1e3) or a duration's unit never starts a token here: digits are not matched first.
    const before = stripped[(match.index ?? 0) - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    names.add(name);
  }
  return [...names];
}

/** `label_values(metric{...}, label)` (a Grafana variable query) -> the metric, if it names one. */
export function labelValuesMetric(query: string): string | undefined {
  return /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{,]/.exec(query)?.[1];
}
