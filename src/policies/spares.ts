import { backoffDelay } from './backoff.ts';
import { forkSpare } from './fork.ts';
import { log } from './log.ts';
import { drain, promoteSpare } from './membership.ts';
import { nextRandom } from './random.ts';
import { type Ctx, type GroupState, nonNegative, type WorkerRecord } from './state.ts';
import { cancelTimer, setTimer } from './timers.ts';

/**
 * Warm spares (`spares: { count, preload }`): booted workers that hold no slot and serve nothing (the runtime
 * holds their app's `listen()` and `ready()`), so a slot whose worker died is served again without a boot.
 *
 * Level-triggered like the rest: reconcile asks `reconcileSpares` to bring the group's spares to
 * `wantedSpares` (discarding those of another generation or boot mode first), and fills a free slot with a
 * spare (`takeSpare`, `activate`) before it forks. A crashed worker's slot is taken by a spare at once; the
 * backoff its respawn would have waited holds back the NEXT spare instead (`startSpareBackoff`), so a crash
 * loop still slows down, and it still counts for the crash-loop guard (restart.ts).
 *
 * A spare that dies before it is activated, unasked, is a failed spare boot: the next waits a backoff, and
 * after more than `restart.maxRestarts` in a row the group stops booting spares (its workers keep serving)
 * until its next config change or reload. A spare belongs to its generation: a roll discards it, and none is
 * booted until the roll is over (they would take CPU from the workers the roll starts).
 */

/** How many spares the group should have now. */
export function wantedSpares(ctx: Ctx, g: GroupState): number {
  if (ctx.state.shutdown !== null || g.status !== 'active' || g.roll !== null || !g.everReady) return 0;
  if (g.desired === 0 || g.spareAttempt > g.spec.restart.maxRestarts) return 0;
  return nonNegative(g.spec.spares?.count ?? 0);
}

/** A spare of the group's generation and boot mode is there to take a slot. O(spares). */
export function hasSpare(ctx: Ctx, g: GroupState): boolean {
  return pickSpare(ctx, g) !== undefined;
}

/**
 * Slot `index` is free: a spare takes it if there is one (true), standing by first. It becomes current and
 * must get ready within the ready timeout, like a forked worker.
 */
export function takeSpare(ctx: Ctx, g: GroupState, index: number): boolean {
  const w = pickSpare(ctx, g);
  if (w === undefined) return false;
  promoteSpare(ctx, g, w, index);
  ctx.out.push({ type: 'activate', worker: w.id, index });
  setTimer(ctx, { kind: 'ready-timeout', worker: w.id }, ctx.now + g.spec.ready.timeoutMs);
  log(ctx, 'info', 'spare activated', {
    group: g.name,
    index,
    worker: w.id,
    standby: w.standbyAt !== null,
  });
  return true;
}

/**
 * Discards spares that are no longer wanted, then boots the missing ones, unless a spare backoff runs or a
 * current worker is still starting.
 */
export function reconcileSpares(ctx: Ctx, g: GroupState): void {
  const wanted = wantedSpares(ctx, g);
  if (g.spares.size === 0 && wanted === 0) return;
  for (const id of [...g.spares]) {
    const w = ctx.state.workers.get(id);
    if (w !== undefined && !fits(g, w)) drain(ctx, g, w, 'spare-discarded');
  }
  // Over the count: the ones still booting go first (one standing by is worth more).
  while (g.spares.size > wanted) {
    const w = newestSpare(ctx, g);
    if (w === undefined) break;
    drain(ctx, g, w, 'spare-discarded');
  }
  // A spare boot takes CPU from the workers that are starting (an activated spare among them): it waits for them.
  if (g.spareBackoff !== null || g.readyCurrent < g.current.size) return;
  const preload = g.spec.spares?.preload === true;
  while (g.spares.size < wanted) forkSpare(ctx, g, preload);
}

/** The spare has booted: it can take a slot at once, and spare boots are no longer failing. */
export function observeStandby(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  if (w.place !== 'spare' || w.standbyAt !== null || w.intent !== null) return;
  w.standbyAt = ctx.now;
  g.spareAttempt = 0;
  cancelTimer(ctx, { kind: 'ready-timeout', worker: w.id });
}

/** A spare exited before it was activated; unasked (or killed for not booting in time), a failed spare boot. */
export function spareExited(ctx: Ctx, g: GroupState, w: WorkerRecord, failure: boolean): void {
  if (!failure || ctx.state.shutdown !== null || g.status !== 'active') return;
  const attempt = g.spareAttempt;
  g.spareAttempt = attempt + 1;
  if (g.spareAttempt > g.spec.restart.maxRestarts) {
    log(ctx, 'warn', 'spares given up', {
      group: g.name,
      worker: w.id,
      failedInARow: g.spareAttempt,
      maxRestarts: g.spec.restart.maxRestarts,
    });
    return;
  }
  startSpareBackoff(ctx, g, backoffDelay(g.spec.backoff, attempt, nextRandom(ctx.state.rng)));
}

/** The next spare waits `delay` ms (a running wait is only ever lengthened). */
export function startSpareBackoff(ctx: Ctx, g: GroupState, delay: number): void {
  const until = ctx.now + delay;
  if (g.spareBackoff !== null && g.spareBackoff.until >= until) return;
  g.spareBackoff = { until };
  setTimer(ctx, { kind: 'spare-respawn', group: g.name }, until);
}

/** The spare backoff ends: its timer fired, or it is dropped (shutdown, removal). */
export function endSpareBackoff(ctx: Ctx, g: GroupState): void {
  if (g.spareBackoff === null) return;
  g.spareBackoff = null;
  cancelTimer(ctx, { kind: 'spare-respawn', group: g.name });
}

/** A new config or a reload: spares may be booted again, without backoff. */
export function resetSpares(ctx: Ctx, g: GroupState): void {
  g.spareAttempt = 0;
  endSpareBackoff(ctx, g);
}

function fits(g: GroupState, w: WorkerRecord): boolean {
  return w.generation === g.generation && w.spare?.preload === (g.spec.spares?.preload === true);
}

function pickSpare(ctx: Ctx, g: GroupState): WorkerRecord | undefined {
  let best: WorkerRecord | undefined;
  for (const id of g.spares) {
    const w = ctx.state.workers.get(id);
    if (w === undefined || w.intent !== null || !fits(g, w)) continue;
    if (w.standbyAt !== null) return w;
    best ??= w;
  }
  return best;
}

function newestSpare(ctx: Ctx, g: GroupState): WorkerRecord | undefined {
  let best: WorkerRecord | undefined;
  for (const id of g.spares) {
    const w = ctx.state.workers.get(id);
    if (w === undefined) continue;
    const booting = w.standbyAt === null;
    const bestBooting = best !== undefined && best.standbyAt === null;
    if (best === undefined || (booting && !bestBooting) || (booting === bestBooting && w.id > best.id))
      best = w;
  }
  return best;
}
