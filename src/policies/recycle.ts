import { log } from './log.ts';
import { demote } from './membership.ts';
import { nextRandom } from './random.ts';
import type { Ctx, GroupState, WorkerRecord } from './state.ts';
import { setTimer } from './timers.ts';
import type { RecycleCause, RecycleSpec } from './types.ts';

/**
 * Recycling: a worker is replaced after `afterRequests` requests or `afterMs` of uptime, like a reload of that
 * one worker (it becomes old and reconcile replaces it under maxSurge / maxUnavailable, its successor ready
 * first). Its exit carries the intent `recycle`, so it is neither a crash nor a restart of its slot.
 *
 * Each worker's limits are drawn once, at fork, from the engine's seeded generator: limit × (1 - jitter × r),
 * so workers started together reach them at different times (gunicorn's max_requests_jitter).
 */

/** A worker's own limits; 0 = off. */
export interface WorkerRecycleLimits {
  readonly requests: number;
  readonly uptimeMs: number;
}

export const NO_RECYCLE: WorkerRecycleLimits = { requests: 0, uptimeMs: 0 };

export function drawRecycleLimits(ctx: Ctx, spec: RecycleSpec | undefined): WorkerRecycleLimits {
  if (spec === undefined || (spec.afterRequests <= 0 && spec.afterMs <= 0)) return NO_RECYCLE;
  const jitter = Math.min(1, Math.max(0, spec.jitter));
  const spread = (limit: number): number =>
    limit > 0 ? Math.max(1, Math.floor(limit * (1 - jitter * nextRandom(ctx.state.rng)))) : 0;
  return { requests: spread(spec.afterRequests), uptimeMs: spread(spec.afterMs) };
}

/** Once the worker is ready its uptime limit is armed (counted from its fork, or a spare's activation). */
export function armUptime(ctx: Ctx, w: WorkerRecord): void {
  if (w.recycle.uptimeMs > 0)
    setTimer(ctx, { kind: 'recycle', worker: w.id }, Math.max(ctx.now, w.servingFrom + w.recycle.uptimeMs));
}

/** The worker reported `total` requests served so far. */
export function observeRequests(ctx: Ctx, g: GroupState, w: WorkerRecord, total: number): void {
  if (w.recycle.requests > 0 && total >= w.recycle.requests) markDue(ctx, g, w, 'requests');
}

export function markDue(ctx: Ctx, g: GroupState, w: WorkerRecord, cause: RecycleCause): void {
  if (w.place !== 'current' || w.intent !== null || w.replace || g.recycleDue.has(w.id)) return;
  g.recycleDue.set(w.id, cause);
  ctx.dirty.add(g);
}

/**
 * Turns due workers into old ones, at most max(1, maxSurge) being replaced at a time, and none while the group
 * rolls (the reload replaces them anyway, or they wait for it to finish). Workers not ready yet wait.
 */
export function startRecycles(ctx: Ctx, g: GroupState): void {
  if (g.recycleDue.size === 0 || g.roll !== null || g.status !== 'active') return;
  const atOnce = Math.max(1, Math.floor(g.spec.reload.maxSurge) || 0);
  for (const [id, cause] of g.recycleDue) {
    if (g.old.size >= atOnce) return;
    const w = ctx.state.workers.get(id);
    if (w === undefined || w.place !== 'current' || w.intent !== null || w.replace) {
      g.recycleDue.delete(id);
      continue;
    }
    if (!w.ready) continue;
    g.recycleDue.delete(id);
    w.replace = true;
    demote(g, w, 'recycle');
    g.recycled[cause]++;
    log(ctx, 'info', 'recycling worker', { group: g.name, index: w.index, worker: w.id, cause });
  }
}
