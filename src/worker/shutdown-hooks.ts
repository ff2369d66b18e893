import type { ShutdownHook } from './runtime-state.ts';
import { settleWithin } from './timeouts.ts';

export type HookOutcome =
  | { readonly index: number; readonly result: 'ok' }
  | { readonly index: number; readonly result: 'threw'; readonly error: unknown }
  | { readonly index: number; readonly result: 'timed-out'; readonly afterMs: number };

export interface RunHooksOptions {
  /**
   * The bound for the hook about to start (`index` of `total`, counted when it starts), asked just before it
   * starts so a drain can share what is left of its deadline as it goes.
   */
  readonly boundMs: (index: number, total: number) => number;
  readonly onOutcome?: (outcome: HookOutcome) => void;
}

/**
 * Runs the hooks one after the other, in registration order, each awaited but bounded: a hook that throws or
 * hangs is reported and the next one still runs (one broken cleanup must not skip the others).
 *
 * The list is read live, so a hook registered while earlier hooks run still runs.
 */
export async function runShutdownHooks(
  hooks: readonly ShutdownHook[],
  options: RunHooksOptions,
): Promise<HookOutcome[]> {
  const outcomes: HookOutcome[] = [];
  for (let index = 0; index < hooks.length; index++) {
    const hook = hooks[index] as ShutdownHook;
    const boundMs = options.boundMs(index, hooks.length);
    let failure: { error: unknown } | null = null;
    const run = (async () => hook())().catch((error: unknown) => {
      failure = { error };
    });
    const settled = await settleWithin(run, boundMs);
    const outcome: HookOutcome =
      settled === 'timed-out'
        ? { index, result: 'timed-out', afterMs: boundMs }
        : failure === null
          ? { index, result: 'ok' }
          : { index, result: 'threw', error: (failure as { error: unknown }).error };
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  }
  return outcomes;
}
