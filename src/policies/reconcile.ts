import { log, report } from './log.ts';
import { drain, placeCurrent } from './membership.ts';
import { drawRecycleLimits, startRecycles } from './recycle.ts';
import { offerSlot, takeFreeSlot } from './slots.ts';
import {
  atStrength,
  type Ctx,
  type GroupState,
  liveCount,
  newSlot,
  nonNegative,
  readyCount,
  type Slot,
  type WorkerRecord,
} from './state.ts';
import { cancelTimer, setTimer } from './timers.ts';

/**
 * Derives a group's actions from desired vs observed state (level-triggered, like Kubernetes' deployment
 * controller): whatever happened before, calling it again converges on the same place, and calling it when
 * nothing is to do costs O(1).
 *
 * Rolling rules (desired 2, maxSurge 1, maxUnavailable 0, two ready old workers):
 *   live may reach desired + maxSurge = 3 -> fork one current; once it is ready, ready - 1 = 2 >= desired - 0
 *   -> drain one old; a slot is free again -> fork; ready -> drain the last old.
 * With no old worker the surge never limits: live < desired whenever a slot is free.
 */
export function reconcile(ctx: Ctx, g: GroupState): void {
  if (ctx.state.shutdown !== null || g.removed) return;
  if (g.status === 'removing') {
    drainEverything(ctx, g);
    forgetIfEmpty(ctx, g);
    return;
  }
  resizeSlots(ctx, g);
  startRecycles(ctx, g);
  const limit = g.desired + nonNegative(g.spec.reload.maxSurge);
  const minAvailable = g.desired - nonNegative(g.spec.reload.maxUnavailable);

  // Over the surge bound (a scale-down or a smaller maxSurge mid-roll): old workers go first.
  while (liveCount(g) > limit) {
    const w = takeOldNotReady(ctx, g) ?? takeOldReady(ctx, g);
    if (w === undefined) break;
    drain(ctx, g, w, w.oldReason);
  }
  // Old workers that serve nothing never count as available: they go at once.
  for (let w = takeOldNotReady(ctx, g); w !== undefined; w = takeOldNotReady(ctx, g))
    drain(ctx, g, w, w.oldReason);
  // Ready old workers go while availability stays at desired - maxUnavailable or more.
  while (g.old.size > 0 && readyCount(g) - 1 >= minAvailable) {
    const w = takeOldReady(ctx, g);
    if (w === undefined) break;
    drain(ctx, g, w, w.oldReason);
  }
  if (g.status === 'active') {
    while (liveCount(g) < limit) {
      const index = takeFreeSlot(g);
      if (index === undefined) break;
      fork(ctx, g, index);
    }
  }
  reportStrength(ctx, g);
}

function fork(ctx: Ctx, g: GroupState, index: number): void {
  const { state, now } = ctx;
  const slot = g.slots[index] as Slot;
  const w: WorkerRecord = {
    id: state.nextWorker++,
    group: g.name,
    index,
    generation: g.generation,
    revision: g.revision,
    forkedAt: now,
    restarts: slot.restarts,
    pid: null,
    place: 'current',
    ready: false,
    readyAt: null,
    intent: null,
    oldReason: 'reload',
    replace: false,
    recycle: drawRecycleLimits(ctx, g.spec.recycle),
  };
  state.workers.set(w.id, w);
  g.members.add(w.id);
  placeCurrent(g, w);
  ctx.out.push({
    type: 'fork',
    worker: w.id,
    group: g.name,
    index,
    generation: g.generation,
    revision: g.revision,
  });
  setTimer(ctx, { kind: 'ready-timeout', worker: w.id }, now + g.spec.ready.timeoutMs);
}

/**
 * Slots follow `desired`: a scale-down drains the workers of the highest indexes and drops their backoff, so the
 * indexes in use stay 0..desired-1 (which worker goes is decided by index, not by readiness: an index is the
 * worker's identity, e.g. a shard number).
 */
function resizeSlots(ctx: Ctx, g: GroupState): void {
  while (g.slots.length > g.desired) {
    const index = g.slots.length - 1;
    const slot = g.slots[index] as Slot;
    if (slot.holder !== null) {
      const w = ctx.state.workers.get(slot.holder);
      if (w !== undefined) drain(ctx, g, w, 'scale-down');
    }
    if (slot.backoff !== null) {
      cancelTimer(ctx, { kind: 'respawn', group: g.name, index });
      g.backoff.delete(index);
    }
    g.completed.delete(index);
    g.slots.pop();
  }
  while (g.slots.length < g.desired) {
    g.slots.push(newSlot());
    offerSlot(g, g.slots.length - 1);
  }
}

function takeOldNotReady(ctx: Ctx, g: GroupState): WorkerRecord | undefined {
  for (const id of g.oldNotReady) {
    const w = ctx.state.workers.get(id);
    if (w !== undefined && w.intent === null) return w;
  }
  return undefined;
}

/** The ready old worker with the highest index (stale heap entries are dropped on the way). */
function takeOldReady(ctx: Ctx, g: GroupState): WorkerRecord | undefined {
  for (;;) {
    const top = g.oldReady.pop();
    if (top === undefined) return undefined;
    const w = ctx.state.workers.get(top.id);
    if (w !== undefined && w.place === 'old' && w.ready && w.intent === null) return w;
  }
}

function drainEverything(ctx: Ctx, g: GroupState): void {
  for (const id of [...g.current, ...g.old]) {
    const w = ctx.state.workers.get(id);
    if (w !== undefined) drain(ctx, g, w, 'removed');
  }
}

/** A removed group is forgotten once its last worker has exited. */
export function forgetIfEmpty(ctx: Ctx, g: GroupState): void {
  if (g.status !== 'removing' || g.members.size > 0 || g.removed) return;
  g.removed = true;
  ctx.state.groups.delete(g.name);
  log(ctx, 'info', 'group removed', { group: g.name });
  report(ctx, { kind: 'group-removed', group: g.name });
}

function reportStrength(ctx: Ctx, g: GroupState): void {
  if (!atStrength(g)) return;
  if (!g.everReady) {
    g.everReady = true;
    log(ctx, 'info', 'group ready', { group: g.name, workers: g.desired });
    report(ctx, { kind: 'group-ready', group: g.name });
  }
  if (g.recovering) {
    g.recovering = false;
    log(ctx, 'info', 'group recovered', { group: g.name, workers: g.desired });
    report(ctx, { kind: 'group-recovered', group: g.name });
  }
}
