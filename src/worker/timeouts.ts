/**
 * Waits for `work` for at most `ms`. Resolves `'done'` or `'timed-out'`; a rejection counts as done (callers
 * that care about errors catch them on `work` themselves). The timer is unref'd: a bound must never be what
 * keeps a process alive.
 */
export function settleWithin(work: Promise<unknown>, ms: number): Promise<'done' | 'timed-out'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timed-out'), Math.max(0, ms));
    timer.unref();
    const finish = (): void => {
      clearTimeout(timer);
      resolve('done');
    };
    work.then(finish, finish);
  });
}
