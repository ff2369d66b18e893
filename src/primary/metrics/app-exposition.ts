/**
 * Renders the workers' own prom-client metrics (their `getMetricsAsJSON()` output) as Prometheus text, every
 * sample labelled with the worker it came from.
 *
 * Why labels and not sums: Prometheus wants one series per process and aggregates at query time
 * (`sum by (group) (rate(http_requests_total[1m]))`); summing here would lose which worker is slow, and would
 * make a counter drop whenever one worker restarts. Families of the same name from different workers are
 * merged under one HELP/TYPE header, as the text format requires.
 *
 * Example: worker 7 (group web, slot 0) reports `http_requests_total{route="/"} 5`; the output line is
 * `http_requests_total{route="/",group="web",index="0",worker_id="7"} 5`.
 */

export interface WorkerLabels {
  readonly group: string;
  readonly index: string;
  readonly worker_id: string;
}

export interface WorkerAppMetrics {
  readonly labels: WorkerLabels;
  /** One array of metric families per registry, as sent by the worker (untrusted shape). */
  readonly registries: readonly unknown[];
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly lines: string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * `reserved`: names the primary exposes itself (a worker family of that name is dropped rather than
 * producing a second header for the same name). A family whose type disagrees with the first worker's
 * is dropped for that worker, for the same reason.
 */
export function renderAppMetrics(
  workers: readonly WorkerAppMetrics[],
  reserved: ReadonlySet<string>,
): string {
  const families = new Map<string, Family>();
  for (const worker of workers) {
    for (const registry of worker.registries) {
      if (!Array.isArray(registry)) continue;
      for (const raw of registry) addFamily(families, raw, worker.labels, reserved);
    }
  }
  let out = '';
  for (const family of families.values()) {
    if (family.lines.length === 0) continue;
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    out += `${family.lines.join('\n')}\n`;
  }
  return out;
}

function addFamily(
  families: Map<string, Family>,
  raw: unknown,
  labels: WorkerLabels,
  reserved: ReadonlySet<string>,
): void {
  if (typeof raw !== 'object' || raw === null) return;
  const { name, help, type, values } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || !METRIC_NAME.test(name) || reserved.has(name)) return;
  const kind = typeof type === 'string' && TYPES.has(type) ? type : 'untyped';
  let family = families.get(name);
  if (family === undefined) {
    family = { name, help: typeof help === 'string' ? help : name, type: kind, lines: [] };
    families.set(name, family);
  } else if (family.type !== kind) {
    return;
  }
  if (!Array.isArray(values)) return;
  for (const sample of values) {
    const line = sampleLine(name, sample, labels);
    if (line !== null) family.lines.push(line);
  }
}

function sampleLine(family: string, sample: unknown, worker: WorkerLabels): string | null {
  if (typeof sample !== 'object' || sample === null) return null;
  const { metricName, labels, value } = sample as Record<string, unknown>;
  // Histograms and summaries name their samples `x_bucket`, `x_sum`, `x_count`.
  const name = typeof metricName === 'string' && metricName.startsWith(family) ? metricName : family;
  if (!METRIC_NAME.test(name)) return null;
  const merged: Record<string, string> = {};
  if (typeof labels === 'object' && labels !== null) {
    for (const [key, v] of Object.entries(labels)) {
      if (LABEL_NAME.test(key) && v !== undefined && v !== null) merged[key] = String(v);
    }
  }
  // The worker's identity wins over an app label of the same name: it is what makes the series unique.
  Object.assign(merged, worker);
  const pairs = Object.entries(merged).map(([key, v]) => `${key}="${escapeLabel(v)}"`);
  return `${name}{${pairs.join(',')}} ${formatValue(value)}`;
}

export function formatValue(value: unknown): string {
  // JSON turns NaN into null on its way over IPC.
  if (typeof value !== 'number' || Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
