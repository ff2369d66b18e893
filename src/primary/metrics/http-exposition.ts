import type { HttpStats } from '../../worker/http-stats.ts';
import { LATENCY_BUCKETS } from '../../worker/http-stats.ts';

export const HTTP_METRIC_NAMES = [
  'orchestrator_http_requests_total',
  'orchestrator_http_requests_in_flight',
  'orchestrator_http_request_duration_seconds',
] as const;

export interface WorkerHttpStats {
  readonly labels: Readonly<Record<string, string>>;
  readonly stats: HttpStats;
}

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * The workers' HTTP counters (from their last heartbeat) in Prometheus text: the primary only formats what the
 * runtimes counted, at scrape time. Label values are group names and numbers, which need no escaping.
 */
export function renderHttpMetrics(workers: readonly WorkerHttpStats[]): string {
  // `le` goes first, as prom-client writes it (some parsers expect that order).
  const labels = (base: Readonly<Record<string, string>>, extra: Record<string, string> = {}): string =>
    `{${Object.entries({ ...extra, ...base })
      .map(([key, value]) => `${key}="${value}"`)
      .join(',')}}`;
  const [total, inFlight, duration] = HTTP_METRIC_NAMES;
  const lines: string[] = [
    `# HELP ${total} HTTP requests each worker finished, by status class (counted by the runtime; metrics.http).`,
    `# TYPE ${total} counter`,
  ];
  for (const { labels: base, stats } of workers)
    CLASSES.forEach((code, i) => {
      lines.push(`${total}${labels(base, { code })} ${stats.byClass[i] ?? 0}`);
    });
  lines.push(`# HELP ${inFlight} HTTP requests each worker has started and not finished.`);
  lines.push(`# TYPE ${inFlight} gauge`);
  for (const { labels: base, stats } of workers) {
    const finished = stats.byClass.reduce((sum, n) => sum + n, 0);
    lines.push(`${inFlight}${labels(base)} ${Math.max(0, stats.started - finished)}`);
  }
  lines.push(`# HELP ${duration} Time from a request's start to its response's end, per worker.`);
  lines.push(`# TYPE ${duration} histogram`);
  for (const { labels: base, stats } of workers) {
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((le, i) => {
      cumulative += stats.buckets[i] ?? 0;
      lines.push(`${duration}_bucket${labels(base, { le: String(le) })} ${cumulative}`);
    });
    const count = stats.buckets.reduce((sum, n) => sum + n, 0);
    lines.push(`${duration}_bucket${labels(base, { le: '+Inf' })} ${count}`);
    lines.push(`${duration}_sum${labels(base)} ${stats.sumSeconds}`);
    lines.push(`${duration}_count${labels(base)} ${count}`);
  }
  return `${lines.join('\n')}\n`;
}
