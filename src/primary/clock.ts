/**
 * Milliseconds since the Unix epoch, from a monotonic source: `performance.now()` never jumps when the
 * wall clock is adjusted, so backoff delays and deadlines stay right, while values still read as dates
 * (the status output shows them as `startedAt`).
 */
export function monotonicNow(): number {
  return Math.round(performance.timeOrigin + performance.now());
}
