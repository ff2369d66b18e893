import type { Ctx } from './state.ts';
import { setTimer } from './timers.ts';

/**
 * The periodic resync of a level-triggered controller (like a Kubernetes informer's resync): every
 * `RESYNC_EVERY_MS` every group is reconciled whether or not an event marked it dirty, and a timer overdue by
 * more than `LOST_AFTER_MS` is taken as fired (the primary fires timers on time, so such a timer was lost). So a
 * lost `timer-fired` or a missed dirty mark delays convergence by at most one period instead of forever.
 * Lost exits cannot be healed this way (nothing else says a process is gone): the shell must deliver those.
 */
export const RESYNC_EVERY_MS = 10_000;
export const LOST_AFTER_MS = 1_000;

/**
 * Arms the resync once the engine has something to watch (nothing during shutdown), and arms it again when its
 * own firing was lost: any later event finds it overdue.
 */
export function armResync(ctx: Ctx): void {
  const { state } = ctx;
  if (state.shutdown !== null || state.groups.size === 0) return;
  const pending = state.timers.get('reconcile');
  if (pending !== undefined && pending.at + LOST_AFTER_MS > ctx.now) return;
  setTimer(ctx, { kind: 'reconcile' }, ctx.now + RESYNC_EVERY_MS);
}

/** The resync is due: the keys of lost timers, oldest first (the caller fires them), and every group is dirty. */
export function resync(ctx: Ctx): string[] {
  const lost: Array<[string, number]> = [];
  for (const [key, pending] of ctx.state.timers)
    if (pending.at + LOST_AFTER_MS <= ctx.now) lost.push([key, pending.at]);
  lost.sort((a, b) => a[1] - b[1]);
  for (const g of ctx.state.groups.values()) ctx.dirty.add(g);
  return lost.map(([key]) => key);
}
