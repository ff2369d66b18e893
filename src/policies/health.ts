import { log } from './log.ts';
import { demote, kill } from './membership.ts';
import type { Ctx, GroupState, WorkerRecord } from './state.ts';
import { cancelTimer, setTimer } from './timers.ts';

/**
 * Health checks, decided here like everything else: the shell only reports heartbeats (with RSS).
 *
 * Heartbeat deadline: watching starts at a worker's first sign that its event loop runs (it listens, says it
 * is ready, or beats; module loading before that is bounded by the ready timeout instead). A worker silent for
 * `heartbeatTimeoutMs` since its last sign is killed and its slot restarted as a failure. The timer is lazy:
 * a beat only records its time, and the timer, when it fires, is set again for `beatAt + timeout` if a beat
 * came since, so beats cost no timer action.
 *
 * Memory: a heartbeat whose RSS is above `maxMemoryMb` marks its worker for replacement; reconcile forks the
 * successor first and drains it once the successor is ready (within maxSurge / maxUnavailable).
 */

const MB = 1024 * 1024;

/** A sign of life that is not a heartbeat: starts watching a worker that is not watched yet. */
export function observeAlive(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  if (w.beatAt === null) startWatching(ctx, g, w);
}

export function observeHeartbeat(ctx: Ctx, g: GroupState, w: WorkerRecord, rssBytes: number): void {
  if (w.beatAt === null) startWatching(ctx, g, w);
  else w.beatAt = ctx.now;
  const maxMb = g.spec.health.maxMemoryMb;
  if (maxMb > 0 && rssBytes > maxMb * MB) overMemory(ctx, g, w, rssBytes);
}

/** The heartbeat timer fired: the worker is silent for the timeout, or a beat came since and it waits again. */
export function heartbeatDue(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  const timeout = g.spec.health.heartbeatTimeoutMs;
  if (!watched(ctx, w) || w.beatAt === null || !(timeout > 0)) return;
  const due = w.beatAt + timeout;
  if (ctx.now < due) {
    setTimer(ctx, { kind: 'heartbeat', worker: w.id }, due);
    return;
  }
  log(ctx, 'warn', 'heartbeat missed', {
    group: g.name,
    index: w.index,
    worker: w.id,
    silentMs: ctx.now - w.beatAt,
  });
  kill(ctx, g, w, 'heartbeat');
  ctx.dirty.add(g);
}

/** The group's health settings changed: every watched worker's deadline follows the new timeout at once. */
export function healthChanged(ctx: Ctx, g: GroupState): void {
  const timeout = g.spec.health.heartbeatTimeoutMs;
  for (const id of g.members) {
    const w = ctx.state.workers.get(id);
    if (w === undefined || w.beatAt === null || !watched(ctx, w)) continue;
    if (timeout > 0) setTimer(ctx, { kind: 'heartbeat', worker: w.id }, w.beatAt + timeout);
    else cancelTimer(ctx, { kind: 'heartbeat', worker: w.id });
  }
}

/** Only a worker that is serving or starting is watched: one being stopped is bounded by its kill deadline. */
function watched(ctx: Ctx, w: WorkerRecord): boolean {
  return w.place !== 'draining' && w.intent === null && ctx.state.shutdown === null;
}

function startWatching(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  if (!watched(ctx, w)) return;
  w.beatAt = ctx.now;
  const timeout = g.spec.health.heartbeatTimeoutMs;
  if (timeout > 0) setTimer(ctx, { kind: 'heartbeat', worker: w.id }, ctx.now + timeout);
}

function overMemory(ctx: Ctx, g: GroupState, w: WorkerRecord, rssBytes: number): void {
  if (w.place !== 'current' || w.intent !== null || ctx.state.shutdown !== null) return;
  w.replace = true;
  demote(g, w, 'memory');
  log(ctx, 'warn', 'memory over limit', {
    group: g.name,
    index: w.index,
    worker: w.id,
    rssBytes,
    maxMemoryMb: g.spec.health.maxMemoryMb,
  });
  ctx.dirty.add(g);
}
