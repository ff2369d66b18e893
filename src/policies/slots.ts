import type { GroupState, Slot } from './state.ts';

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
