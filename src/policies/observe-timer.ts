import { heartbeatDue } from './health.ts';
import { log } from './log.ts';
import { kill } from './membership.ts';
import { markDue } from './recycle.ts';
import { armResync, resync } from './resync.ts';
import { abortGroupRoll } from './rollout.ts';
import { endBackoff } from './slots.ts';
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
      if (g === undefined || g.slots[timer.index]?.backoff == null) return;
      endBackoff(ctx, g, timer.index);
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
    case 'heartbeat': {
      const w = ctx.state.workers.get(timer.worker);
      const g = w === undefined ? undefined : ctx.state.groups.get(w.group);
      if (w !== undefined && g !== undefined) heartbeatDue(ctx, g, w);
      return;
    }
    case 'reconcile': {
      const lost = resync(ctx);
      if (lost.length > 0) log(ctx, 'warn', 'lost timers fired late', { count: lost.length });
      for (const key of lost) {
        if (!ctx.state.timers.has(key)) continue; // an earlier one cancelled it
        ctx.out.push({ type: 'cancel-timer', key }); // the primary forgets it too: its late firing would be stale
        observeTimer(ctx, key);
      }
      armResync(ctx);
      return;
    }
    case 'recycle': {
      const w = ctx.state.workers.get(timer.worker);
      const g = w === undefined ? undefined : ctx.state.groups.get(w.group);
      if (w !== undefined && g !== undefined) markDue(ctx, g, w, 'uptime');
      return;
    }
    case 'spare-respawn': {
      const g = ctx.state.groups.get(timer.group);
      if (g === undefined || g.spareBackoff === null) return;
      g.spareBackoff = null;
      ctx.dirty.add(g);
      return;
    }
    case 'reload-deadline': {
      const g = ctx.state.groups.get(timer.group);
      if (g !== undefined) abortGroupRoll(ctx, g, 'deadline');
      return;
    }
  }
}
