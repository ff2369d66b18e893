import type { GroupStatus } from '../../primary/status.ts';
import { type HttpStats, LATENCY_BUCKETS } from '../../worker/http-stats.ts';

export interface GroupHttp {
  /** Finished requests per second over the interval, all workers of the group together. */
  readonly perSecond: number;
  /** The 99th percentile latency over the interval in seconds (interpolated within its bucket); null when idle. */
  readonly p99Seconds: number | null;
}

/**
 * A group's request rate and p99 between two samples, from the counters its workers report (`metrics.http`).
 * Only workers present in both samples count: a worker replaced in between restarts its counters.
 */
export function groupHttp(
  group: GroupStatus,
  before: ReadonlyMap<number, HttpStats>,
  elapsedSeconds: number,
): GroupHttp | null {
  if (elapsedSeconds <= 0) return null;
  let finished = 0;
  let seen = false;
  const buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  for (const worker of group.workers) {
    const now = worker.http;
    const then = before.get(worker.id);
    if (now == null || then === undefined) continue;
    seen = true;
    now.buckets.forEach((count, i) => {
      const delta = Math.max(0, count - (then.buckets[i] ?? 0));
      buckets[i] = (buckets[i] ?? 0) + delta;
      finished += delta;
    });
  }
  return seen ? { perSecond: finished / elapsedSeconds, p99Seconds: quantile(buckets, 0.99) } : null;
}

/**
 * The q-quantile of per-bucket counts, interpolated linearly inside its bucket the way PromQL's
 * `histogram_quantile` does; above the last bound it is that bound (the histogram says no more).
 */
export function quantile(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i] ?? 0;
    if (below + count >= rank && count > 0) {
      const upper = LATENCY_BUCKETS[i];
      if (upper === undefined) return LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1] ?? null;
      const lower = i === 0 ? 0 : (LATENCY_BUCKETS[i - 1] ?? 0);
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return null;
}
