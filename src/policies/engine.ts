import { observeConfig, observeScale } from './observe-config.ts';
import { observeTimer } from './observe-timer.ts';
import { observeWorker } from './observe-worker.ts';
import { createRng } from './random.ts';
import { reconcile } from './reconcile.ts';
import { armResync } from './resync.ts';
import { advanceRollout, requestRollout } from './rollout.ts';
import { observeShutdown, progressShutdown } from './shutdown.ts';
import type { Ctx, EngineState } from './state.ts';
import type { EngineAction, EngineEvent } from './types.ts';

export type { EngineState } from './state.ts';

/** A fresh engine: no groups until the first `config-applied`. `seed` drives the backoff jitter. */
export function createEngine(seed: number): EngineState {
  return {
    rng: createRng(seed),
    nextWorker: 1,
    workers: new Map(),
    groups: new Map(),
    timers: new Map(),
    rollout: null,
    shutdown: null,
  };
}

/**
 * Feeds one event at time `now` (ms, any monotonic clock) and returns the actions to carry out, in order.
 *
 * The input state is CONSUMED: it is updated in place and returned (a copy per event would cost O(workers)).
 * Keep only the returned state. Never throws on events that make no sense (unknown workers, repeats, stale
 * timers): they are ignored.
 *
 * Each event only records what was observed (and intents); then every affected group is reconciled (desired vs
 * observed), then the rollout advances, which may affect more groups; repeated until nothing is left to do.
 */
export function step(
  state: EngineState,
  event: EngineEvent,
  now: number,
): { state: EngineState; actions: EngineAction[] } {
  const ctx: Ctx = { state, now, out: [], dirty: new Set() };
  observe(ctx, event);
  // Terminates: each round either starts a pending batch or changes nothing; the cap only guards against a bug.
  for (let rounds = 0; rounds < 100_000; rounds++) {
    for (const g of ctx.dirty) {
      ctx.dirty.delete(g);
      reconcile(ctx, g);
    }
    advanceRollout(ctx);
    if (ctx.dirty.size === 0) break;
  }
  progressShutdown(ctx);
  armResync(ctx);
  return { state, actions: ctx.out };
}

function observe(ctx: Ctx, event: EngineEvent): void {
  switch (event.type) {
    case 'config-applied':
      observeConfig(ctx, event.groups, event.request ?? 0, event.roll);
      return;
    case 'reload-requested': {
      const names = event.groups.length > 0 ? event.groups : [...ctx.state.groups.keys()];
      if (ctx.state.shutdown !== null) {
        const groups = Object.fromEntries(names.map((name) => [name, 'skipped' as const]));
        ctx.out.push({
          type: 'report',
          outcome: { kind: 'rollout-finished', request: event.request, ok: false, groups },
        });
        return;
      }
      requestRollout(ctx, names, event.request);
      return;
    }
    case 'scale-requested':
      observeScale(ctx, event.counts);
      return;
    case 'shutdown-requested':
      observeShutdown(ctx);
      return;
    case 'timer-fired':
      observeTimer(ctx, event.key);
      return;
    default:
      observeWorker(ctx, event);
  }
}
