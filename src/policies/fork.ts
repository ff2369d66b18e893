import { enlist, enlistSpare } from './membership.ts';
import { drawRecycleLimits } from './recycle.ts';
import type { Ctx, GroupState, WorkerRecord } from './state.ts';
import { setTimer } from './timers.ts';

/**
 * New processes: a worker for a free slot, or a spare for none. Each is recorded before its `fork` goes out
 * (so its intent is known before the process exists), with a `ready-timeout` that bounds its boot.
 */

/** A worker of the current generation for free slot `index`. */
export function forkWorker(ctx: Ctx, g: GroupState, index: number): void {
  const w = newRecord(ctx, g, index, g.slots[index]?.restarts ?? 0, null);
  enlist(ctx, g, w);
  emitFork(ctx, g, w);
}

/** A spare of the current generation: booted for no slot (index -1) until `activate` gives it one. */
export function forkSpare(ctx: Ctx, g: GroupState, preload: boolean): void {
  const w = newRecord(ctx, g, -1, 0, { preload });
  enlistSpare(ctx, g, w);
  emitFork(ctx, g, w);
}

function newRecord(
  ctx: Ctx,
  g: GroupState,
  index: number,
  restarts: number,
  spare: WorkerRecord['spare'],
): WorkerRecord {
  return {
    id: ctx.state.nextWorker++,
    group: g.name,
    index,
    generation: g.generation,
    revision: g.revision,
    forkedAt: ctx.now,
    servingFrom: ctx.now,
    restarts,
    pid: null,
    place: 'current',
    spare,
    standbyAt: null,
    ready: false,
    readyAt: null,
    intent: null,
    oldReason: 'reload',
    replace: false,
    beatAt: null,
    recycle: drawRecycleLimits(ctx, g.spec.recycle),
  };
}

function emitFork(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  ctx.out.push({
    type: 'fork',
    worker: w.id,
    group: g.name,
    index: w.index,
    generation: w.generation,
    revision: w.revision,
    ...(w.spare === null ? {} : { spare: w.spare }),
  });
  setTimer(ctx, { kind: 'ready-timeout', worker: w.id }, ctx.now + g.spec.ready.timeoutMs);
}
