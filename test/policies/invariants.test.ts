import { expect } from 'chai';
import { checkInvariants } from '../../src/policies/invariants.ts';
import type { GroupState } from '../../src/policies/state.ts';
import { groupSpec, Simulator } from './simulator.ts';

/** The checker itself: silent on a healthy state, and it notices each kind of disagreement. */
describe('engine invariants', () => {
  function running(): { sim: Simulator; web: GroupState } {
    // slot 1 crashes at once and waits in backoff; slot 0 serves
    const sim = new Simulator(1, (fork) =>
      fork.worker === 2 ? { readyAfterMs: null, exitAfterMs: 10 } : {},
    );
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 2 }) } });
    sim.advance(60);
    return { sim, web: sim.state.groups.get('web') as GroupState };
  }

  it('holds for a running group with a slot in backoff', () => {
    const { sim } = running();
    expect(checkInvariants(sim.state)).to.deep.equal([]);
  });

  it('notices a counter, a set or a slot that disagrees with the workers', () => {
    const cases: Array<[string, (web: GroupState) => void, RegExp]> = [
      ['readyCurrent', (web) => web.readyCurrent++, /readyCurrent 2, counted 1/],
      ['current set', (web) => web.current.clear(), /web\.current/],
      ['backoff index', (web) => web.backoff.clear(), /web\.backoff/],
      [
        'slot holder',
        (web) => ((web.slots[0] as { holder: number | null }).holder = null),
        /does not hold slot 0/,
      ],
      ['slot count', (web) => web.desired++, /2 slots for desired 3/],
    ];
    for (const [what, corrupt, expected] of cases) {
      const { sim, web } = running();
      corrupt(web);
      expect(checkInvariants(sim.state).join('\n'), what).to.match(expected);
    }
  });

  it('notices a timer nobody waits for', () => {
    const { sim } = running();
    sim.state.timers.set('kill-deadline:1', { timer: { kind: 'kill-deadline', worker: 1 }, at: 5 });
    expect(checkInvariants(sim.state)).to.deep.equal(['timer kill-deadline:1: its worker is not draining']);
  });
});
