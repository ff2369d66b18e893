import { expect } from 'chai';
import fc from 'fast-check';
import type { BackoffSpec } from '../../src/policies/types.ts';
import { describe as describeGroups, isShutdownComplete } from '../../src/policies/view.ts';
import { groupSpec, Simulator } from './simulator.ts';

describe('shutdown', () => {
  it('drains groups in reverse reload order, the next order once the previous one has exited', () => {
    const sim = new Simulator(1, (fork) => ({ drainMs: fork.group === 'db' ? 5 : 30 }));
    const groups = {
      db: groupSpec({ count: 1, reload: { order: 0 } }),
      web: groupSpec({ count: 1, reload: { order: 2 } }),
      api: groupSpec({ count: 2, reload: { order: 2 } }),
    };
    sim.send({ type: 'config-applied', groups });
    sim.advance(100);
    sim.send({ type: 'shutdown-requested' });
    expect(describeGroups(sim.state).map((g) => g.state)).to.deep.equal(['stopping', 'stopping', 'stopping']);
    sim.advance(1000);
    expect(sim.lines(['drain', 'kill', 'report']).slice(3)).to.deep.equal([
      '100 drain w2 shutdown',
      '100 drain w3 shutdown',
      '100 drain w4 shutdown',
      '130 drain w1 shutdown',
      '135 report shutdown-complete',
    ]);
    expect(isShutdownComplete(sim.state)).to.equal(true);
    expect(sim.pendingTimers()).to.deep.equal([]);
    expect(describeGroups(sim.state).map((g) => g.state)).to.deep.equal(['stopped', 'stopped', 'stopped']);
  });

  it('cancels a pending respawn: a slot in backoff is never forked after shutdown', () => {
    const sim = new Simulator(1, (fork) =>
      fork.worker === 2 ? { readyAfterMs: null, exitAfterMs: 10 } : {},
    );
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 2 }) } });
    sim.advance(50);
    expect(describeGroups(sim.state)[0]?.workers.map((w) => [w.id, w.state])).to.deep.equal([
      [1, 'ready'],
      [2, 'backoff'],
    ]);
    sim.send({ type: 'shutdown-requested' });
    sim.advance(10_000);
    expect(sim.lines(['fork', 'drain', 'report', 'cancel-timer'])).to.deep.equal([
      '0 fork w1 web[0] g1',
      '0 fork w2 web[1] g1',
      '10 cancel ready-timeout:2',
      '50 cancel ready-timeout:1',
      '50 cancel reconcile',
      '50 cancel respawn:1:web',
      '50 cancel heartbeat:1',
      '50 drain w1 shutdown',
      '60 cancel kill-deadline:1',
      '60 report shutdown-complete',
    ]);
  });

  it('kills a worker that does not finish draining by shutdown.timeoutMs', () => {
    const sim = new Simulator(1, () => ({ drainMs: null }));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, shutdown: { timeoutMs: 2000 } }) },
    });
    sim.advance(100);
    sim.send({ type: 'shutdown-requested' });
    sim.advance(5000);
    expect(sim.lines().slice(2)).to.deep.equal([
      '100 drain w1 shutdown',
      '2100 kill w1 SIGKILL kill-deadline',
      '2100 report shutdown-complete',
    ]);
  });

  it('escalates a second request to SIGKILL for every worker at once, waiting ones included', () => {
    const sim = new Simulator(1, () => ({ drainMs: null }));
    const groups = { db: groupSpec({ count: 1 }), web: groupSpec({ count: 1, reload: { order: 1 } }) };
    sim.send({ type: 'config-applied', groups });
    sim.advance(100);
    sim.send({ type: 'shutdown-requested' });
    sim.advance(100);
    sim.send({ type: 'shutdown-requested' });
    sim.send({ type: 'shutdown-requested' });
    sim.advance(100);
    expect(sim.lines().slice(4)).to.deep.equal([
      '100 drain w2 shutdown',
      '200 kill w1 SIGKILL shutdown',
      '200 kill w2 SIGKILL shutdown',
      '200 report shutdown-complete',
    ]);
    expect(sim.pendingTimers()).to.deep.equal([]);
  });

  it('ends a running rollout and refuses new work', () => {
    const sim = new Simulator(1, (fork) => (fork.generation === 2 ? { readyAfterMs: null } : {}));
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1 }) } });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(100);
    sim.send({ type: 'shutdown-requested' });
    sim.send({ type: 'reload-requested', groups: ['web'], request: 2 });
    sim.send({ type: 'scale-requested', counts: { web: 5 } });
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 3 }) } });
    sim.advance(1000);
    expect(sim.lines().slice(2)).to.deep.equal([
      '100 fork w2 web[0] g2',
      '200 report reload-aborted web 1 shutdown',
      '200 report rollout-finished 1 false {"web":"aborted"}',
      '200 drain w2 shutdown',
      '200 drain w1 shutdown',
      '200 report rollout-finished 2 false {"web":"skipped"}',
      '210 report shutdown-complete',
    ]);
  });

  it('completes at once with nothing running, and reports it only once', () => {
    const sim = new Simulator();
    sim.send({ type: 'shutdown-requested' });
    sim.send({ type: 'shutdown-requested' });
    sim.send({ type: 'worker-exited', worker: 1, code: 0, signal: null });
    expect(sim.lines()).to.deep.equal(['0 report shutdown-complete']);
  });
});

describe('shutdown at any moment of a respawn storm (property)', () => {
  const backoffArb: fc.Arbitrary<BackoffSpec> = fc.oneof(
    fc.constant({ strategy: 'none' as const }),
    fc.record({ strategy: fc.constant('fixed' as const), delayMs: fc.integer({ min: 0, max: 50 }) }),
    fc.record({
      strategy: fc.constant('exponential' as const),
      initialMs: fc.integer({ min: 1, max: 50 }),
      maxMs: fc.integer({ min: 50, max: 500 }),
      factor: fc.constant(2),
      jitter: fc.double({ min: 0, max: 0.5, noNaN: true }),
    }),
  );
  // How each forked process behaves, cycled over the forks: quick or slow to start, crashing on its own,
  // draining slowly or never (then only its kill deadline ends it).
  const scriptArb = fc.record({
    readyAfterMs: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    exitAfterMs: fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined }),
    drainMs: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  });
  // Moments (ms) when a live worker is SIGKILLed from outside, and which one.
  const killArb = fc.record({ at: fc.integer({ min: 0, max: 1500 }), pick: fc.nat() });

  it('always completes, exactly once, leaving no worker and no timer, whatever is pending when it is asked for', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          count: fc.integer({ min: 1, max: 4 }),
          orders: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
          backoff: backoffArb,
          scripts: fc.array(scriptArb, { minLength: 1, maxLength: 6 }),
          kills: fc.array(killArb, { maxLength: 30 }),
          shutdownAt: fc.integer({ min: 0, max: 1500 }),
          again: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
        }),
        ({ seed, count, orders, backoff, scripts, kills, shutdownAt, again }) => {
          let n = 0;
          const sim = new Simulator(seed, () => scripts[n++ % scripts.length] as (typeof scripts)[number]);
          let completed = 0;
          let requested = false;
          sim.observer = (event, actions) => {
            if (event.type === 'shutdown-requested') requested = true;
            for (const action of actions) {
              if (action.type === 'fork') expect(requested, 'fork after shutdown').to.equal(false);
              if (action.type === 'report' && action.outcome.kind === 'shutdown-complete') completed++;
            }
          };
          const groups = Object.fromEntries(
            orders.map((order, i) => [
              `g${i}`,
              groupSpec({
                count,
                backoff,
                restart: { maxRestarts: 10_000, windowMs: 1000 },
                reload: { order },
                shutdown: { timeoutMs: 2000 },
              }),
            ]),
          );
          sim.send({ type: 'config-applied', groups });
          const moments = [
            ...kills.map((kill) => ({ at: kill.at, run: () => killOne(sim, kill.pick) })),
            { at: shutdownAt, run: () => sim.send({ type: 'shutdown-requested' }) },
            ...(again === null
              ? []
              : [{ at: shutdownAt + again, run: () => sim.send({ type: 'shutdown-requested' }) }]),
          ].sort((a, b) => a.at - b.at);
          for (const moment of moments) {
            sim.advance(moment.at - sim.now);
            moment.run();
          }
          // Every drain deadline (2 s) and pending timer has long passed.
          sim.advance(60_000);

          expect(completed, 'shutdown-complete reports').to.equal(1);
          expect(isShutdownComplete(sim.state)).to.equal(true);
          expect(sim.liveWorkers(), 'processes left running').to.deep.equal([]);
          expect(sim.pendingTimers(), 'timers the primary would still hold').to.deep.equal([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

function killOne(sim: Simulator, pick: number): void {
  const live = sim.liveWorkers();
  const target = live[pick % Math.max(1, live.length)];
  if (target !== undefined) sim.crash(target.worker, null, 'SIGKILL');
}
