import { expect } from 'chai';
import type { Outcome } from '../../../src/policies/types.ts';
import { firstReady } from '../../../src/primary/upgrade/first-ready.ts';

function source() {
  const listeners = new Set<(outcome: Outcome) => void>();
  return {
    onOutcome(listener: (outcome: Outcome) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (outcome: Outcome) => {
      for (const listener of [...listeners]) listener(outcome);
    },
    listening: () => listeners.size,
  };
}

describe('upgrade: when the new primary reports ready', () => {
  it('once every group of its config is ready, and stops listening', async () => {
    const outcomes = source();
    const ready = firstReady(outcomes, ['web', 'jobs']);
    outcomes.emit({ kind: 'group-ready', group: 'web' });
    outcomes.emit({ kind: 'group-ready', group: 'jobs' });
    expect(await ready).to.deep.equal({ ok: true });
    expect(outcomes.listening()).to.equal(0);
  });

  it('fails with the first failed group and its reason', async () => {
    const outcomes = source();
    const ready = firstReady(outcomes, ['web', 'jobs']);
    outcomes.emit({ kind: 'group-ready', group: 'web' });
    outcomes.emit({ kind: 'group-failed', group: 'jobs', reason: 'crash loop' });
    expect(await ready).to.deep.equal({ ok: false, reason: 'group jobs failed: crash loop' });
  });

  it('is ready at once with no group', async () => {
    expect(await firstReady(source(), [])).to.deep.equal({ ok: true });
  });
});
