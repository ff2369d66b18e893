import { armUptime } from './recycle.ts';
import { endBackoff, offerSlot, reofferAll, reopenSlot } from './slots.ts';
import type { Ctx, GroupState, WorkerRecord } from './state.ts';
import { cancelTimer, setTimer } from './timers.ts';
import type { StopReason } from './types.ts';

/**
 * A worker's life in its group: joining (`enlist`), moving between current / old / draining, and leaving
 * (`forget`), keeping `state.workers`, the group's `members`, `current`, `old`, `readyCurrent` and `readyOld`, and slot occupancy (`slot.holder`) in step. Every other module changes these only through the
 * functions here (invariants.ts checks that they agree).
 *
 * Order matters in two places, so it is kept inside these functions rather than left to callers: a stop's
 * `intent` is recorded before its drain or kill goes out (so its exit is never taken for a crash), and an exited
 * worker is forgotten before its slot's restart is decided (the slot must be free by then).
 */

/** A newly forked worker of the current generation joins its group, holding slot `w.index`. */
export function enlist(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  ctx.state.workers.set(w.id, w);
  g.members.add(w.id);
  placeCurrent(g, w);
}

/** A newly forked spare joins its group, holding no slot. */
export function enlistSpare(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  ctx.state.workers.set(w.id, w);
  g.members.add(w.id);
  w.place = 'spare';
  g.spares.add(w.id);
}

/** A spare takes free slot `index` and becomes current (not ready: it starts serving only now). */
export function promoteSpare(ctx: Ctx, g: GroupState, w: WorkerRecord, index: number): void {
  if (w.place !== 'spare') return;
  g.spares.delete(w.id);
  w.servingFrom = ctx.now;
  w.index = index;
  w.restarts = g.slots[index]?.restarts ?? 0;
  placeCurrent(g, w);
}

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
  if (w.ready) g.readyOld++;
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
    if (w.ready) g.readyOld--;
  } else if (w.place === 'spare') {
    g.spares.delete(w.id);
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
    g.readyOld++;
  }
  // Back at strength: a later crash loop is a new one, logged again.
  if (g.readyCurrent >= g.desired) g.crashLoopLogged = false;
}

/** A worker being killed no longer counts as available. */
function markUnavailable(g: GroupState, w: WorkerRecord): void {
  if (!w.ready) return;
  w.ready = false;
  if (w.place === 'current') g.readyCurrent--;
  else if (w.place === 'old') g.readyOld--;
}

/** Graceful stop: intent first, then `drain` and its `kill-deadline`. */
export function drain(ctx: Ctx, g: GroupState, w: WorkerRecord, reason: StopReason): void {
  if (w.place === 'draining') return;
  w.intent = reason;
  unplace(g, w);
  w.place = 'draining';
  cancelTimer(ctx, { kind: 'ready-timeout', worker: w.id });
  cancelTimer(ctx, { kind: 'heartbeat', worker: w.id });
  ctx.out.push({ type: 'drain', worker: w.id, reason });
  setTimer(ctx, { kind: 'kill-deadline', worker: w.id }, ctx.now + g.spec.shutdown.timeoutMs);
}

/** Drains every worker of the group that is not draining yet, spares included (removal, shutdown). */
export function drainAll(ctx: Ctx, g: GroupState, reason: StopReason): void {
  if (g.current.size === 0 && g.old.size === 0 && g.spares.size === 0) return;
  for (const id of [...g.current, ...g.old, ...g.spares]) {
    const w = ctx.state.workers.get(id);
    if (w !== undefined) drain(ctx, g, w, reason);
  }
}

/** SIGKILL now. The worker keeps its place until its exit arrives; `intent` tells that exit apart from a crash. */
export function kill(ctx: Ctx, g: GroupState, w: WorkerRecord, reason: StopReason): void {
  if (w.intent === null) w.intent = reason;
  cancelTimer(ctx, { kind: 'heartbeat', worker: w.id });
  markUnavailable(g, w);
  ctx.out.push({ type: 'kill', worker: w.id, signal: 'SIGKILL', reason });
}

/**
 * The worker exited: drop every trace of it and its timers. Only timers it can still have are looked up (a ready
 * worker's ready timeout was cancelled, only a draining one has a kill deadline, only a watched one a heartbeat):
 * an exit is the hottest event, and each lookup builds a key.
 */
export function forget(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  unplace(g, w);
  g.members.delete(w.id);
  ctx.state.workers.delete(w.id);
  if (w.readyAt === null) cancelTimer(ctx, { kind: 'ready-timeout', worker: w.id });
  if (w.place === 'draining') cancelTimer(ctx, { kind: 'kill-deadline', worker: w.id });
  if (w.beatAt !== null) cancelTimer(ctx, { kind: 'heartbeat', worker: w.id });
  if (w.recycle.uptimeMs > 0) cancelTimer(ctx, { kind: 'recycle', worker: w.id });
  g.recycleDue.delete(w.id);
}

/**
 * After the group's generation changed (roll start, abort): every non-draining worker is current again if it is of
 * the current generation, not marked, and its slot is not taken; otherwise old. A worker that was current and is
 * now old will be drained with `demotedReason`. O(workers), once per roll start or abort.
 *
 * A worker back in a slot wins over that slot's backoff (its respawn timer is cancelled): it is already serving.
 * Spares stay spares (reconcile discards those of another generation).
 */
export function regroup(ctx: Ctx, g: GroupState, demotedReason: StopReason): void {
  const wasCurrent = new Set(g.current);
  g.current.clear();
  g.old.clear();
  g.readyOld = 0;
  g.readyCurrent = 0;
  for (const slot of g.slots) slot.holder = null;
  for (const id of g.members) {
    const w = ctx.state.workers.get(id);
    if (w === undefined || w.place === 'draining' || w.place === 'spare') continue;
    const slot = g.slots[w.index];
    if (w.generation === g.generation && !w.replace && w.index < g.desired && slot?.holder === null) {
      endBackoff(ctx, g, w.index);
      reopenSlot(g, w.index);
      placeCurrent(g, w);
    } else {
      if (wasCurrent.has(id)) w.oldReason = demotedReason;
      placeOld(g, w);
    }
  }
  reofferAll(g);
}
