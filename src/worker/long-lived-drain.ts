import { closeNow, closePolitely, connectionOf, type LongLived, whenClosed } from './long-lived.ts';

export interface LongLivedPlan {
  /** The window over which the connections found at the start are closed, one by one, evenly spaced. */
  readonly spreadMs: number;
  /** From the start: what has not closed by then is ended (the client never answered the close). */
  readonly deadlineMs: number;
}

export interface LongLivedReport {
  /** Long-lived connections found (at the start, and on the rescans at the end of the window and deadline). */
  readonly found: number;
  /** Of those, how many were still open at the deadline and were ended there. */
  readonly endedAtDeadline: number;
}

/**
 * Closes a draining worker's long-lived connections gradually, so their clients reconnect to the new workers
 * as a trickle rather than in one burst:
 *
 *   t=0                    n connections found; connection i is closed politely at i * spreadMs / n
 *   t=spreadMs             rescan: one opened since (an upgrade on a kept-alive socket) is closed now
 *   t=deadlineMs           rescan; whatever is still open is ended (`closeNow`)
 *   done                   as soon as every connection has closed and a rescan finds no new one, usually
 *                          right after the last slot
 *
 * `find` is called at each scan; `onCount` hears how many are still open whenever that changes.
 */
export async function drainLongLived(
  plan: LongLivedPlan,
  find: () => LongLived[],
  onCount: (open: number) => void,
): Promise<LongLivedReport> {
  const open = new Map<object, LongLived>();
  const seen = new Set<object>();
  const timers = new Set<NodeJS.Timeout>();
  let allClosed = (): void => {};
  const settled = new Promise<void>((resolve) => {
    allClosed = resolve;
  });

  // When the last one closes (before the window ends when clients close on their own), one more scan for
  // any that opened meanwhile; none: done.
  const lastClosed = (): void => {
    const fresh = adopt(find());
    if (fresh.length === 0) allClosed();
    else for (const item of fresh) closePolitely(item);
  };
  const adopt = (items: readonly LongLived[]): LongLived[] => {
    const fresh = items.filter((item) => !seen.has(connectionOf(item)));
    for (const item of fresh) {
      const key = connectionOf(item);
      seen.add(key);
      open.set(key, item);
      void whenClosed(item).then(() => {
        open.delete(key);
        onCount(open.size);
        if (open.size === 0) lastClosed();
      });
    }
    return fresh;
  };
  const at = (delayMs: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, delayMs);
    timers.add(timer);
  };

  const initial = adopt(find());
  onCount(open.size);
  initial.forEach((item, index) => {
    const delay = (index * plan.spreadMs) / initial.length;
    const close = (): void => {
      if (open.has(connectionOf(item))) closePolitely(item);
    };
    if (delay === 0) close();
    else at(delay, close);
  });
  if (open.size === 0) lastClosed();

  let endedAtDeadline = 0;
  const deadline = new Promise<void>((resolve) => {
    at(plan.spreadMs, () => {
      for (const item of adopt(find())) closePolitely(item);
    });
    at(plan.deadlineMs, () => {
      adopt(find());
      endedAtDeadline = open.size;
      for (const item of open.values()) closeNow(item);
      resolve();
    });
  });
  await Promise.race([settled, deadline]);
  for (const timer of timers) clearTimeout(timer);
  return { found: seen.size, endedAtDeadline };
}
