import type { Ctx, GroupState, Slot } from './state.ts';
import { cancelTimer, setTimer } from './timers.ts';
import type { WorkerId } from './types.ts';

/**
 * A slot's state and the group's indexes of it. A slot is held (by a current worker), in backoff (waiting for its
 * respawn timer), completed (its worker exited and is not restarted), or free. The group keeps `backoff` and
 * `completed` as sets of indexes and `freeSlots` as a lazy heap: only this module writes `slot.backoff`,
 * `slot.completed`, `slot.queued` and those indexes, so they cannot disagree (see invariants.ts).
 */

export function isFree(slot: Slot): boolean {
  return slot.holder === null && slot.backoff === null && slot.completed === null;
}

/** Offers slot `index` to the next fork if it is free; the heap is checked again when an index is taken. */
export function offerSlot(g: GroupState, index: number): void {
  const slot = g.slots[index];
  if (slot === undefined || slot.queued || index >= g.desired || !isFree(slot)) return;
  slot.queued = true;
  g.freeSlots.push(index);
}

/** The lowest free slot index below `desired`, taken off the heap; undefined when there is none. */
export function takeFreeSlot(g: GroupState): number | undefined {
  for (;;) {
    const index = g.freeSlots.pop();
    if (index === undefined) return undefined;
    const slot = g.slots[index];
    if (slot === undefined) continue;
    slot.queued = false;
    if (index < g.desired && isFree(slot)) return index;
  }
}

/** Rebuilds the free-slot heap from scratch (after a change that touches every slot). */
export function reofferAll(g: GroupState): void {
  g.freeSlots.clear();
  for (let i = 0; i < g.slots.length; i++) {
    const slot = g.slots[i] as Slot;
    slot.queued = false;
    offerSlot(g, i);
  }
}

/** A crashed slot waits `delay` ms: recorded on the slot and in the group's index, with its respawn timer. */
export function startBackoff(ctx: Ctx, g: GroupState, index: number, worker: WorkerId, delay: number): void {
  const slot = g.slots[index];
  if (slot === undefined) return;
  slot.backoff = { worker, since: ctx.now, until: ctx.now + delay };
  g.backoff.add(index);
  setTimer(ctx, { kind: 'respawn', group: g.name, index }, ctx.now + delay);
}

/** The slot's backoff ends (its timer fired, or it is dropped): the timer is cancelled if pending, the slot offered. */
export function endBackoff(ctx: Ctx, g: GroupState, index: number): void {
  const slot = g.slots[index];
  if (slot === undefined || slot.backoff === null) return;
  cancelTimer(ctx, { kind: 'respawn', group: g.name, index });
  slot.backoff = null;
  g.backoff.delete(index);
  offerSlot(g, index);
}

/** Every slot of the group leaves backoff (the group failed, is removed, or the cluster shuts down). */
export function endAllBackoff(ctx: Ctx, g: GroupState): void {
  for (const index of [...g.backoff]) endBackoff(ctx, g, index);
}

/** The slot's worker exited and is not to be restarted: it stays empty until reopened. */
export function completeSlot(ctx: Ctx, g: GroupState, index: number, worker: WorkerId): void {
  const slot = g.slots[index];
  if (slot === undefined) return;
  slot.completed = { worker, at: ctx.now };
  g.completed.add(index);
}

/** A completed slot may be filled again (a reload, a config change, or a worker back in it). */
export function reopenSlot(g: GroupState, index: number): void {
  const slot = g.slots[index];
  if (slot === undefined || slot.completed === null) return;
  slot.completed = null;
  g.completed.delete(index);
  offerSlot(g, index);
}

export function reopenAllSlots(g: GroupState): void {
  for (const index of [...g.completed]) reopenSlot(g, index);
}

/** The highest slot goes (a scale-down): its backoff and completion go with it. The caller drains its holder. */
export function dropLastSlot(ctx: Ctx, g: GroupState): void {
  const index = g.slots.length - 1;
  if (index < 0) return;
  endBackoff(ctx, g, index);
  reopenSlot(g, index);
  g.slots.pop();
}

/** A new highest slot (a scale-up), offered at once. */
export function addSlot(g: GroupState): void {
  g.slots.push(newSlot());
  offerSlot(g, g.slots.length - 1);
}

function newSlot(): Slot {
  return { holder: null, backoff: null, completed: null, attempt: 0, restarts: 0, queued: false };
}
