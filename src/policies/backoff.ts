import type { BackoffSpec } from './types.ts';

/** The primary arms these with setTimeout, whose longest delay is 2^31-1 ms. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The delay before restart number `attempt` (0 = the first restart after a crash) of a slot.
 * `random` in [0, 1) spreads exponential delays by +-jitter so crashed siblings do not restart in lockstep.
 * The cap applies after the jitter, so no delay ever exceeds `maxMs` (at the cap the spread is below it only).
 *
 * exponential { initialMs: 100, factor: 2, maxMs: 30_000, jitter: 0.1 }, attempt 3, random 0.75:
 *   min(30_000, 100 * 2^3) = 800, then * (1 + 0.1 * (2 * 0.75 - 1)) = 840, then min(30_000, 840) = 840.
 */
export function backoffDelay(spec: BackoffSpec, attempt: number, random: number): number {
  const n = attempt > 0 ? Math.floor(attempt) : 0;
  switch (spec.strategy) {
    case 'none':
      return 0;
    case 'fixed':
      return toDelay(spec.delayMs);
    case 'linear':
      return toDelay(Math.min(spec.maxMs, spec.initialMs + spec.incrementMs * n));
    case 'exponential': {
      const base = Math.min(spec.maxMs, spec.initialMs * spec.factor ** n);
      const r = random >= 0 && random < 1 ? random : 0.5;
      return toDelay(Math.min(spec.maxMs, base * (1 + spec.jitter * (2 * r - 1))));
    }
  }
}

function toDelay(ms: number): number {
  if (!(ms > 0)) return 0; // also NaN
  return Math.min(MAX_DELAY_MS, Math.round(ms));
}
