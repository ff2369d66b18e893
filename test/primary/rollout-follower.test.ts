import { expect } from 'chai';
import type { Outcome } from '../../src/policies/types.ts';
import type { ControlLine } from '../../src/primary/control/server.ts';
import { followRollout } from '../../src/primary/rollout-follower.ts';
import type { Supervisor } from '../../src/primary/supervisor.ts';

/** Just enough of a supervisor to emit outcomes. */
function outcomes() {
  const listeners = new Set<(outcome: Outcome) => void>();
  const supervisor = {
    onOutcome(listener: (outcome: Outcome) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as Supervisor;
  return {
    supervisor,
    emit: (outcome: Outcome) => {
      for (const listener of [...listeners]) listener(outcome);
    },
    listeners,
  };
}

describe('following a rollout for `reload`', () => {
  it('reports each group as it finishes, then done', async () => {
    const { supervisor, emit, listeners } = outcomes();
    const lines: ControlLine[] = [];
    const done = followRollout(supervisor, ['web', 'api'], (line) => lines.push(line));
    emit({ kind: 'reload-finished', group: 'web', request: 3 });
    emit({ kind: 'reload-finished', group: 'api', request: 3 });
    emit({ kind: 'rollout-finished', request: 3, ok: true, groups: { web: 'finished', api: 'finished' } });
    expect(await done).to.deep.include({ event: 'done', ok: true });
    expect(lines.map((l) => l.message)).to.deep.equal([
      'web: every worker replaced',
      'api: every worker replaced',
    ]);
    expect(listeners.size).to.equal(0);
  });

  it('fails, naming the group, when a group aborted', async () => {
    const { supervisor, emit } = outcomes();
    const lines: ControlLine[] = [];
    const done = followRollout(supervisor, ['web', 'api'], (line) => lines.push(line));
    emit({ kind: 'reload-aborted', group: 'web', request: 1, reason: 'crashed' });
    emit({ kind: 'rollout-finished', request: 1, ok: false, groups: { web: 'aborted', api: 'skipped' } });
    const result = await done;
    expect(result).to.deep.include({
      ok: false,
      message: 'reload failed: web aborted, api skipped; the old workers keep serving',
    });
    expect(lines[0]?.message).to.equal('web: aborted (crashed); the old workers keep serving');
  });

  it('follows superseded groups into the rollout that took them over', async () => {
    const { supervisor, emit } = outcomes();
    const done = followRollout(supervisor, ['web', 'api'], () => {});
    let settled = false;
    void done.then(() => {
      settled = true;
    });
    emit({ kind: 'rollout-finished', request: 3, ok: false, groups: { web: 'superseded', api: 'finished' } });
    await Promise.resolve();
    expect(settled).to.equal(false);
    emit({ kind: 'rollout-finished', request: 4, ok: true, groups: { web: 'finished' } });
    expect(await done).to.deep.include({ ok: true, groups: { api: 'finished', web: 'finished' } });
  });
});
