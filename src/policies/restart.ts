import { backoffDelay } from './backoff.ts';
import { failGroup, recordRestart, restartLimitExceeded } from './crash-loop.ts';
import { describeExit } from './exit-reason.ts';
import { log } from './log.ts';
import { nextRandom } from './random.ts';
import { completeSlot, startBackoff } from './slots.ts';
import { hasSpare, startSpareBackoff } from './spares.ts';
import type { Ctx, GroupState, WorkerRecord } from './state.ts';
import type { GroupSpec, StopReason } from './types.ts';

/**
 * Whether an exit is a failure. An exit nobody asked for is one, and so is one the engine caused because the
 * worker misbehaved (ready timeout, missed heartbeat). The exception: exit code 0 without a signal under
 * `restart.when: 'on-failure'` is a clean finish.
 */
export function isFailure(
  spec: GroupSpec,
  intent: StopReason | null,
  code: number | null,
  signal: string | null,
): boolean {
  if (intent === 'ready-timeout' || intent === 'heartbeat') return true;
  if (intent !== null) return false;
  return !(spec.restart.when === 'on-failure' && code === 0 && signal === null);
}

export function shouldRestart(spec: GroupSpec, failure: boolean): boolean {
  return spec.restart.when === 'always' || (spec.restart.when === 'on-failure' && failure);
}

/**
 * A current worker exited unasked: its slot waits in backoff, then the respawn timer frees it for reconcile to
 * fork. Even a 0 ms delay goes through the timer, so a crash always reads `set-timer respawn` and the fork
 * always follows a `timer-fired` (and a crash loop with no delay still yields to the primary's event loop).
 * The attempt counter (the slot's failed starts in a row) resets when the crashed worker had been ready for
 * `resetAfterMs`: that start succeeded.
 *
 * With a spare standing by, the slot does not wait: the spare takes it at once, and the delay holds back the
 * spare booted behind it instead (spares.ts). The restart counts for the crash-loop guard all the same.
 */
export function scheduleRestart(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  const slot = g.slots[w.index];
  if (slot === undefined || slot.holder !== null || slot.backoff !== null) return;
  if (w.readyAt !== null && ctx.now - w.readyAt >= g.spec.restart.resetAfterMs) slot.attempt = 0;
  const inWindow = recordRestart(g, ctx.now);
  // `attempt` counts the slot's failed starts in a row before this one: this crash makes it attempt + 1.
  if (restartLimitExceeded(g, inWindow, slot.attempt + 1)) {
    failGroup(ctx, g, 'crash-loop', true);
    return;
  }
  const attempt = slot.attempt;
  const delay = backoffDelay(g.spec.backoff, attempt, nextRandom(ctx.state.rng));
  slot.attempt = attempt + 1;
  slot.restarts++;
  if (g.roll === null && hasSpare(ctx, g)) {
    // The slot stays free, so reconcile hands it to the spare in this step; the wait moves to the next spare.
    startSpareBackoff(ctx, g, delay);
    log(ctx, 'info', 'restart by a spare', {
      group: g.name,
      index: w.index,
      worker: w.id,
      attempt,
      nextSpareMs: delay,
      restartsInWindow: inWindow,
    });
    if (attempt >= CRASH_LOOP_ATTEMPTS - 1 && !g.crashLoopLogged) logCrashLoop(ctx, g, delay);
    return;
  }
  startBackoff(ctx, g, w.index, w.id, delay);
  log(ctx, 'info', 'restart scheduled', {
    group: g.name,
    index: w.index,
    worker: w.id,
    attempt,
    delayMs: delay,
    restartsInWindow: inWindow,
  });
  if (attempt >= CRASH_LOOP_ATTEMPTS - 1 && !g.crashLoopLogged) logCrashLoop(ctx, g, delay);
}

/**
 * A slot whose worker crashed this many times in a row (never staying ready for `resetAfterMs` in between)
 * is crash-looping, like Kubernetes' CrashLoopBackOff: one crash may be bad luck, two in a row are a pattern.
 */
export const CRASH_LOOP_ATTEMPTS = 2;

/** Once per loop, not per crash: the group's exits keep coming in `worker exited` records. */
function logCrashLoop(ctx: Ctx, g: GroupState, delayMs: number): void {
  g.crashLoopLogged = true;
  const last = g.lastExit;
  log(ctx, 'warn', 'group crash-looping', {
    group: g.name,
    reason: last === null ? null : describeExit(last),
    nextRestartMs: delayMs,
    maxRestarts: g.spec.restart.maxRestarts,
    windowMs: g.spec.restart.windowMs,
  });
}

/** The slot's worker exited and is not to be restarted: the slot stays empty until the next reload or config. */
export function leaveSlotEmpty(ctx: Ctx, g: GroupState, w: WorkerRecord): void {
  const slot = g.slots[w.index];
  if (slot === undefined || slot.holder !== null || slot.backoff !== null) return;
  completeSlot(ctx, g, w.index, w.id);
  log(ctx, 'info', 'worker not restarted', {
    group: g.name,
    index: w.index,
    worker: w.id,
    when: g.spec.restart.when,
  });
}
