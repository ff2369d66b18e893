import type { Outcome } from '../../policies/types.ts';

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
