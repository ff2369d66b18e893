import type { Outcome } from '../policies/types.ts';

/** How a group's last roll ended, for `status`: an aborted one means the group still runs its old settings. */
export type LastReload =
  | { readonly outcome: 'finished'; readonly at: string }
  | { readonly outcome: 'aborted'; readonly reason: string; readonly at: string };

/** Remembers each group's last reload outcome (one entry per group: bounded by the config). */
export class ReloadHistory {
  readonly #last = new Map<string, LastReload>();

  observe(outcome: Outcome, now = new Date()): void {
    if (outcome.kind === 'reload-finished') {
      this.#last.set(outcome.group, { outcome: 'finished', at: now.toISOString() });
    } else if (outcome.kind === 'reload-aborted') {
      this.#last.set(outcome.group, { outcome: 'aborted', reason: outcome.reason, at: now.toISOString() });
    } else if (outcome.kind === 'group-removed') {
      this.#last.delete(outcome.group);
    }
  }

  last(group: string): LastReload | null {
    return this.#last.get(group) ?? null;
  }
}
