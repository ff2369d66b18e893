import { log, report } from './log.ts';
import { endAllBackoff } from './slots.ts';
import type { Ctx, GroupState } from './state.ts';

/**
 * The crash-loop guard. The group gives up when either
 * - more than `maxRestarts` restarts were scheduled within `windowMs` (Erlang's restart intensity; a restart
 *   counts when it is scheduled, so crashes before ready count too; as in OTP's supervisor the window is closed
 *   at both ends: a restart exactly `windowMs` old still counts), or
 * - one slot had more than `maxRestarts` failed starts in a row, whatever the window: a failed start is a worker
 *   that crashed before it had been ready for `resetAfterMs`.
 *
 * The second rule is what makes the defaults give up at all: exponential backoff reaches its 30 s cap before
 * 11 restarts fit in 60 s, so the window alone never trips, while 11 crashes in a row (~81 s) do. A worker that
 * crashes only after serving for `resetAfterMs` resets its slot's run, so a group that is merely flaky over hours
 * keeps being restarted.
 *
 * Window: maxRestarts 2, windowMs 1000, restarts at t=0, 400, 1000: three within [0, 1000] -> failed at t=1000;
 * had the third come at t=1001, the one at t=0 would have left the window: two, still fine.
 */

/** Records a restart at `now`; returns how many fall within the window, this one included. O(1) amortized. */
export function recordRestart(g: GroupState, now: number): number {
  const times = g.restartTimes;
  const horizon = now - g.spec.restart.windowMs;
  while (g.restartHead < times.length && (times[g.restartHead] as number) < horizon) g.restartHead++;
  if (g.restartHead > 1024 && g.restartHead * 2 > times.length) {
    g.restartTimes = times.slice(g.restartHead);
    g.restartHead = 0;
  }
  g.restartTimes.push(now);
  return g.restartTimes.length - g.restartHead;
}

/** `inWindow`: restarts within the window, this one included; `failedStarts`: the slot's failed starts in a row. */
export function restartLimitExceeded(g: GroupState, inWindow: number, failedStarts: number): boolean {
  const max = g.spec.restart.maxRestarts;
  return inWindow > max || failedStarts > max;
}

/** The group gives up: pending respawns are cancelled and nothing more is forked until a reload or config change. */
export function failGroup(ctx: Ctx, g: GroupState, reason: string, announce: boolean): void {
  g.status = 'failed';
  g.recovering = false;
  endAllBackoff(ctx, g);
  if (!announce) return;
  log(ctx, 'error', 'group failed', {
    group: g.name,
    reason,
    maxRestarts: g.spec.restart.maxRestarts,
    windowMs: g.spec.restart.windowMs,
  });
  report(ctx, { kind: 'group-failed', group: g.name, reason });
}

/** A reload or a config change of a failed group: try again, with a fresh window and fresh backoff. */
export function clearFailure(g: GroupState): void {
  if (g.status !== 'failed') return;
  g.status = 'active';
  g.recovering = true;
  resetRestartWindow(g);
  for (const slot of g.slots) slot.attempt = 0;
}

/** Forgets every restart counted in the window (another chance: a cleared failure, a revived group). */
export function resetRestartWindow(g: GroupState): void {
  g.restartTimes = [];
  g.restartHead = 0;
}
