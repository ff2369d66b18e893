import { log, report } from './log.ts';
import { drainAll, kill } from './membership.ts';
import { forgetIfEmpty } from './reconcile.ts';
import { endRollout } from './rollout.ts';
import { endAllBackoff } from './slots.ts';
import { endSpareBackoff } from './spares.ts';
import type { Ctx } from './state.ts';
import { cancelTimer } from './timers.ts';

/**
 * Shutdown: nothing is forked any more; groups drain in reverse reload order (the highest order first, the next
 * once every worker of the previous order has exited; equal orders together), each drain bounded by its
 * kill-deadline. A second request kills every worker at once.
 */
export function observeShutdown(ctx: Ctx): void {
  const { state } = ctx;
  if (state.shutdown === null) {
    state.shutdown = { escalated: false, completed: false };
    log(ctx, 'info', 'shutdown requested', { workers: state.workers.size });
    endRollout(ctx, 'shutdown');
    for (const { timer } of [...state.timers.values()]) {
      if (timer.kind !== 'kill-deadline') cancelTimer(ctx, timer);
    }
    for (const g of state.groups.values()) {
      endAllBackoff(ctx, g);
      endSpareBackoff(ctx, g);
    }
    return;
  }
  if (state.shutdown.escalated) return;
  state.shutdown.escalated = true;
  log(ctx, 'warn', 'shutdown escalated', { workers: state.workers.size });
  for (const w of state.workers.values()) {
    const g = state.groups.get(w.group);
    if (g !== undefined) kill(ctx, g, w, 'shutdown');
  }
}

/** Drains the next order once the previous one is gone; reports `shutdown-complete` once nothing is left. */
export function progressShutdown(ctx: Ctx): void {
  const { state } = ctx;
  const shutdown = state.shutdown;
  if (shutdown === null || shutdown.completed) return;
  for (const g of [...state.groups.values()]) forgetIfEmpty(ctx, g);
  if (!shutdown.escalated) {
    let highest: number | undefined;
    for (const g of state.groups.values()) {
      if (g.members.size > 0 && (highest === undefined || g.spec.reload.order > highest))
        highest = g.spec.reload.order;
    }
    for (const g of state.groups.values()) if (g.spec.reload.order === highest) drainAll(ctx, g, 'shutdown');
  }
  if (state.workers.size === 0 && state.timers.size === 0) {
    shutdown.completed = true;
    log(ctx, 'info', 'shutdown complete', {});
    report(ctx, { kind: 'shutdown-complete' });
  }
}
