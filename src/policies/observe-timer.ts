import { log } from './log.ts';
import { kill } from './membership.ts';
import { markDue } from './recycle.ts';
import { abortGroupRoll } from './rollout.ts';
import { offerSlot } from './slots.ts';
import type { Ctx } from './state.ts';

/** A timer the engine set has fired. Keys it is not waiting for (cancelled, already fired, made up) are ignored. */
export function observeTimer(ctx: Ctx, key: string): void {
  const pending = ctx.state.timers.get(key);
  if (pending === undefined) return;
  ctx.state.timers.delete(key);
  const timer = pending.timer;
  switch (timer.kind) {
    case 'respawn': {
      const g = ctx.state.groups.get(timer.group);
      const slot = g?.slots[timer.index];
      if (g === undefined || slot === undefined || slot.backoff === null) return;
      slot.backoff = null;
      g.backoff.delete(timer.index);
      offerSlot(g, timer.index);
      ctx.dirty.add(g);
      return;
    }
    case 'ready-timeout': {
      const w = ctx.state.workers.get(timer.worker);
      const g = w === undefined ? undefined : ctx.state.groups.get(w.group);
      if (w === undefined || g === undefined || w.ready || w.place === 'draining' || w.intent !== null)
        return;
      log(ctx, 'warn', 'ready timeout', {
        group: g.name,
        index: w.index,
        worker: w.id,
        timeoutMs: g.spec.ready.timeoutMs,
      });
      kill(ctx, g, w, 'ready-timeout');
      ctx.dirty.add(g);
      return;
    }
    case 'kill-deadline': {
      const w = ctx.state.workers.get(timer.worker);
      const g = w === undefined ? undefined : ctx.state.groups.get(w.group);
      if (w === undefined || g === undefined || w.place !== 'draining') return;
      log(ctx, 'warn', 'drain deadline passed', { group: g.name, index: w.index, worker: w.id });
      kill(ctx, g, w, 'kill-deadline');
      return;
    }
    case 'recycle': {
      const w = ctx.state.workers.get(timer.worker);
      const g = w === undefined ? undefined : ctx.state.groups.get(w.group);
      if (w !== undefined && g !== undefined) markDue(ctx, g, w, 'uptime');
      return;
    }
    case 'reload-deadline': {
      const g = ctx.state.groups.get(timer.group);
      if (g !== undefined) abortGroupRoll(ctx, g, 'deadline');
      return;
    }
  }
}
