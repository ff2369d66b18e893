import { log, report } from './log.ts';
import { offerSlot } from './slots.ts';
import type { Ctx, GroupState } from './state.ts';
import { cancelTimer } from './timers.ts';

/**
 * The crash-loop guard (Erlang's restart intensity): more than `maxRestarts` restarts scheduled within
 * `windowMs` and the group gives up. A restart counts when it is scheduled, so crashes before ready count too.
 * As in OTP's supervisor, the window is closed at both ends: a restart exactly `windowMs` old still counts.
 *
 * maxRestarts 2, windowMs 1000, restarts at t=0, 400, 1000: three within [0, 1000] -> failed at t=1000;
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

export function restartLimitExceeded(g: GroupState, inWindow: number): boolean {
  return inWindow > g.spec.restart.maxRestarts;
}

/** The group gives up: pending respawns are cancelled and nothing more is forked until a reload or config change. */
export function failGroup(ctx: Ctx, g: GroupState, reason: string, announce: boolean): void {
  g.status = 'failed';
  g.recovering = false;
  for (const index of g.backoff) {
    cancelTimer(ctx, { kind: 'respawn', group: g.name, index });
    const slot = g.slots[index];
    if (slot !== undefined) slot.backoff = null;
  }
  const indexes = [...g.backoff];
  g.backoff.clear();
  for (const index of indexes) offerSlot(g, index);
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
  g.restartTimes = [];
  g.restartHead = 0;
  for (const slot of g.slots) slot.attempt = 0;
}
