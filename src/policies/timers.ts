import type { Ctx } from './state.ts';
import { timerKey } from './timer-key.ts';
import type { Timer } from './types.ts';

/** Arms a timer and remembers it, so a `timer-fired` for it is recognised and no timer is ever lost track of. */
export function setTimer(ctx: Ctx, timer: Timer, at: number): void {
  const key = timerKey(timer);
  ctx.state.timers.set(key, { timer, at });
  ctx.out.push({ type: 'set-timer', key, timer, at });
}

/** Cancels a pending timer; a no-op (no action) when it is not pending. */
export function cancelTimer(ctx: Ctx, timer: Timer): void {
  const key = timerKey(timer);
  if (ctx.state.timers.delete(key)) ctx.out.push({ type: 'cancel-timer', key });
}
