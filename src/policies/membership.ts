import { armUptime } from './recycle.ts';
import { offerSlot, reofferAll } from './slots.ts';
import { type Ctx, type GroupState, newOldReadyHeap, type WorkerRecord } from './state.ts';
import { cancelTimer, setTimer } from './timers.ts';
import type { StopReason } from './types.ts';

/**
 * Moving a worker between current / old / draining, keeping the group's sets, counters and slot occupancy in
 * step. Every other module changes a worker's place only through these functions.
 */

export function placeCurrent(g: GroupState, w: WorkerRecord): void {
  w.place = 'current';
  g.current.add(w.id);
  if (w.ready) g.readyCurrent++;
  const slot = g.slots[w.index];
  if (slot !== undefined) slot.holder = w.id;
}

export function placeOld(g: GroupState, w: WorkerRecord): void {
  w.place = 'old';
  g.old.add(w.id);
  if (w.ready) g.oldReady.push({ id: w.id, index: w.index });
  else g.oldNotReady.add(w.id);
}

/** Takes a worker out of current/old (its slot becomes free); it must then be placed again or forgotten. */
function unplace(g: GroupState, w: WorkerRecord): void {
  if (w.place === 'current') {
    g.current.delete(w.id);
    if (w.ready) g.readyCurrent--;
    const slot = g.slots[w.index];
    if (slot !== undefined && slot.holder === w.id) {
      slot.holder = null;
      offerSlot(g, w.index);
    }
  } else if (w.place === 'old') {
    g.old.delete(w.id);
    g.oldNotReady.delete(w.id); // a ready one stays in the heap until popped and found invalid
  }
}

/** A current worker is to be replaced (e.g. over its memory limit): it keeps serving until reconcile drains it. */
export function demote(g: GroupState, w: WorkerRecord, reason: StopReason): void {
  if (w.place !== 'current') return;
  unplace(g, w);
  w.oldReason = reason;
  placeOld(g, w);
}

export function markReady(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  w.readyAt = ctx.now;
  cancelTimer(ctx, { kind: 'ready-timeout', worker: w.id });
  if (w.ready) return;
  w.ready = true;
  armUptime(ctx, w);
  if (w.place === 'current') g.readyCurrent++;
  else if (w.place === 'old') {
    g.oldNotReady.delete(w.id);
    g.oldReady.push({ id: w.id, index: w.index });
  }
  // Back at strength: a later crash loop is a new one, logged again.
  if (g.readyCurrent >= g.desired) g.crashLoopLogged = false;
}

/** A worker being killed no longer counts as available. */
function markUnavailable(g: GroupState, w: WorkerRecord): void {
  if (!w.ready) return;
  w.ready = false;
  if (w.place === 'current') g.readyCurrent--;
  else if (w.place === 'old') g.oldNotReady.add(w.id); // its heap entry is found invalid when popped
}

/** Graceful stop: intent first, then `drain` and its `kill-deadline`. */
export function drain(ctx: Ctx, g: GroupState, w: WorkerRecord, reason: StopReason): void {
  if (w.place === 'draining') return;
  w.intent = reason;
  unplace(g, w);
  w.place = 'draining';
  cancelTimer(ctx, { kind: 'ready-timeout', worker: w.id });
  ctx.out.push({ type: 'drain', worker: w.id, reason });
  setTimer(ctx, { kind: 'kill-deadline', worker: w.id }, ctx.now + g.spec.shutdown.timeoutMs);
}

/** SIGKILL now. The worker keeps its place until its exit arrives; `intent` tells that exit apart from a crash. */
export function kill(ctx: Ctx, g: GroupState, w: WorkerRecord, reason: StopReason): void {
  if (w.intent === null) w.intent = reason;
  markUnavailable(g, w);
  ctx.out.push({ type: 'kill', worker: w.id, signal: 'SIGKILL', reason });
}

/** The worker exited: drop every trace of it and its timers. */
export function forget(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  unplace(g, w);
  g.members.delete(w.id);
  ctx.state.workers.delete(w.id);
  cancelTimer(ctx, { kind: 'ready-timeout', worker: w.id });
  cancelTimer(ctx, { kind: 'kill-deadline', worker: w.id });
  cancelTimer(ctx, { kind: 'recycle', worker: w.id });
  g.recycleDue.delete(w.id);
}

/**
 * After the group's generation changed (roll start, abort): every non-draining worker is current again if it is of
 * the current generation, not marked, and its slot is not taken; otherwise old. A worker that was current and is
 * now old will be drained with `demotedReason`. O(workers), once per roll start or abort.
 *
 * A worker back in a slot wins over that slot's backoff (its respawn timer is cancelled): it is already serving.
 */
export function regroup(ctx: Ctx, g: GroupState, demotedReason: StopReason): void {
  const wasCurrent = new Set(g.current);
  g.current.clear();
  g.old.clear();
  g.oldNotReady.clear();
  g.oldReady = newOldReadyHeap();
  g.readyCurrent = 0;
  for (const slot of g.slots) slot.holder = null;
  for (const id of g.members) {
    const w = ctx.state.workers.get(id);
    if (w === undefined || w.place === 'draining') continue;
    const slot = g.slots[w.index];
    if (w.generation === g.generation && !w.replace && w.index < g.desired && slot?.holder === null) {
      if (slot.backoff !== null) {
        cancelTimer(ctx, { kind: 'respawn', group: g.name, index: w.index });
        slot.backoff = null;
        g.backoff.delete(w.index);
      }
      if (slot.completed !== null) {
        slot.completed = null;
        g.completed.delete(w.index);
      }
      placeCurrent(g, w);
    } else {
      if (wasCurrent.has(id)) w.oldReason = demotedReason;
      placeOld(g, w);
    }
  }
  reofferAll(g);
}
