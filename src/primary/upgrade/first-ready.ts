import type { Outcome } from '../../policies/types.ts';
import type { GroupView } from '../../policies/view.ts';

export interface OutcomeSource {
  onOutcome(listener: (outcome: Outcome) => void): () => void;
}

export type FirstReady = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Resolves once every group of the first config is ready, or with the reason of the first group that
 * fails (its workers crash-loop or never get ready): what a new primary reports to the old one.
 */
export function firstReady(source: OutcomeSource, groups: readonly string[]): Promise<FirstReady> {
  return new Promise((resolve) => {
    if (groups.length === 0) {
      resolve({ ok: true });
      return;
    }
    const ready = new Set<string>();
    const stop = source.onOutcome((outcome) => {
      if (outcome.kind === 'group-failed') {
        stop();
        resolve({ ok: false, reason: `group ${outcome.group} failed: ${outcome.reason}` });
      } else if (outcome.kind === 'group-ready') {
        ready.add(outcome.group);
        if (groups.every((name) => ready.has(name))) {
          stop();
          resolve({ ok: true });
        }
      } else if (outcome.kind === 'shutdown-complete') {
        stop();
        resolve({ ok: false, reason: 'the new primary stopped before it was ready' });
      }
    });
  });
}

/**
 * Why the new primary cannot take over now although it reported ready, or null: a group lost ready workers
 * since (an `os` helper that died takes its workers along). Checked when the old primary says `take-over`,
 * the last moment the old one can still keep serving as if nothing happened.
 */
export function notReadyAnyMore(groups: readonly GroupView[]): string | null {
  for (const group of groups) {
    const ready = group.workers.filter((worker) => worker.state === 'ready').length;
    if (ready < group.desired) return `group ${group.name} has ${ready} of ${group.desired} workers ready`;
  }
  return null;
}
