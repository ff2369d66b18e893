/**
 * Passes on the latest value at most once per `intervalMs`: the first at once, later ones at the end of the
 * interval they fall in (so the last value always gets through). `flush` sends a pending value now.
 */
export function throttle<T>(
  intervalMs: number,
  send: (value: T) => void,
): { push: (value: T) => void; flush: () => void } {
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let pending: { value: T } | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending === null) return;
    const { value } = pending;
    pending = null;
    lastSentAt = performance.now();
    send(value);
  };
  const push = (value: T): void => {
    pending = { value };
    if (timer !== null) return;
    const wait = lastSentAt + intervalMs - performance.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  };
  return { push, flush };
}
