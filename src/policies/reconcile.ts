import { forkWorker } from './fork.ts';
import { log, report } from './log.ts';
import { drain, drainAll } from './membership.ts';
import { startRecycles } from './recycle.ts';
import { addSlot, dropLastSlot, takeFreeSlot } from './slots.ts';
import { reconcileSpares, takeSpare } from './spares.ts';
import {
  atStrength,
  type Ctx,
  type GroupState,
  liveCount,
  nonNegative,
  readyCount,
  type Slot,
  type WorkerRecord,
} from './state.ts';

/**
 * Derives a group's actions from desired vs observed state (level-triggered, like Kubernetes' deployment
 * controller): whatever happened before, calling it again converges on the same place, and calling it when
 * nothing is to do costs O(1).
 *
 * Rolling rules (desired 2, maxSurge 1, maxUnavailable 0, two ready old workers):
 *   live may reach desired + maxSurge = 3 -> fork one current; once it is ready, ready - 1 = 2 >= desired - 0
 *   -> drain one old; a slot is free again -> fork; ready -> drain the last old.
 * With no old worker the surge never limits: live < desired whenever a slot is free.
 *
 * A free slot is taken by a spare when one is there (it only has to start listening), else forked.
 */
export function reconcile(ctx: Ctx, g: GroupState): void {
  if (ctx.state.shutdown !== null || g.removed) return;
  if (g.status === 'removing') {
    drainAll(ctx, g, 'removed');
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
      if (!takeSpare(ctx, g, index)) forkWorker(ctx, g, index);
    }
  }
  reportStrength(ctx, g);
  reconcileSpares(ctx, g);
}

/**
 * Slots follow `desired`: a scale-down drains the workers of the highest indexes and drops their backoff, so the
 * indexes in use stay 0..desired-1 (which worker goes is decided by index, not by readiness: an index is the
 * worker's identity, e.g. a shard number).
 */
function resizeSlots(ctx: Ctx, g: GroupState): void {
  while (g.slots.length > g.desired) {
    const slot = g.slots[g.slots.length - 1] as Slot;
    if (slot.holder !== null) {
      const w = ctx.state.workers.get(slot.holder);
      if (w !== undefined) drain(ctx, g, w, 'scale-down');
    }
    dropLastSlot(ctx, g);
  }
  while (g.slots.length < g.desired) addSlot(g);
}

/**
 * Old workers are searched rather than indexed: there are at most 1,024 + maxSurge, and only during a roll or a
 * replacement; a search cannot go stale the way a lazy index can.
 */
function takeOldNotReady(ctx: Ctx, g: GroupState): WorkerRecord | undefined {
  if (g.old.size === g.readyOld) return undefined; // every old worker serves: the common case, in O(1)
  for (const id of g.old) {
    const w = ctx.state.workers.get(id);
    if (w !== undefined && !w.ready && w.intent === null) return w;
  }
  return undefined;
}

/** The ready old worker with the highest index (then the newest). */
function takeOldReady(ctx: Ctx, g: GroupState): WorkerRecord | undefined {
  let best: WorkerRecord | undefined;
  for (const id of g.old) {
    const w = ctx.state.workers.get(id);
    if (w === undefined || !w.ready || w.intent !== null) continue;
    if (best === undefined || w.index > best.index || (w.index === best.index && w.id > best.id)) best = w;
  }
  return best;
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
