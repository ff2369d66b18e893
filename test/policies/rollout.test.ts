import { expect } from 'chai';
import { describe as describeGroups } from '../../src/policies/view.ts';
import { groupSpec, Simulator, type SpecOverrides } from './simulator.ts';

function running(count: number, reload: SpecOverrides['reload'] = {}): Simulator {
  const sim = new Simulator();
  sim.send({ type: 'config-applied', groups: { web: groupSpec({ count, reload }) } });
  sim.advance(100);
  return sim;
}

/** Generations of the live (not yet exited) workers. */
const generations = (sim: Simulator) => sim.liveWorkers().map((f) => f.generation);

describe('rolling reload', () => {
  it('with maxSurge 1 / maxUnavailable 0: one extra worker, an old one drains only once a new one is ready', () => {
    const sim = running(3);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(1000);
    expect(sim.lines().slice(4)).to.deep.equal([
      '100 fork w4 web[0] g2',
      '150 drain w3 reload',
      '150 fork w5 web[1] g2',
      '200 drain w2 reload',
      '200 fork w6 web[2] g2',
      '250 drain w1 reload',
      '250 report reload-finished web 1',
      '250 report rollout-finished 1 true {"web":"finished"}',
    ]);
    expect(generations(sim)).to.deep.equal([2, 2, 2]);
  });

  it('with maxSurge 0 / maxUnavailable 1: one old worker drains first, a new one takes its place', () => {
    const sim = running(3, { maxSurge: 0, maxUnavailable: 1 });
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(1000);
    expect(sim.lines().slice(4)).to.deep.equal([
      '100 drain w3 reload',
      '100 fork w4 web[0] g2',
      '150 drain w2 reload',
      '150 fork w5 web[1] g2',
      '200 drain w1 reload',
      '200 fork w6 web[2] g2',
      '250 report reload-finished web 1',
      '250 report rollout-finished 1 true {"web":"finished"}',
    ]);
  });

  it('keeps the old workers when a new one crashes: the new ones drain, later orders are skipped', () => {
    const sim = new Simulator(1, (fork) =>
      fork.generation === 2 && fork.group === 'web' ? { exitAfterMs: 20, readyAfterMs: null } : {},
    );
    const web = groupSpec({ count: 2, reload: { maxSurge: 2 } });
    const api = groupSpec({ count: 1, reload: { order: 1 } });
    sim.send({ type: 'config-applied', groups: { web, api } });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: [], request: 4 });
    sim.advance(1000);
    expect(sim.lines().slice(5)).to.deep.equal([
      '100 fork w4 web[0] g2',
      '100 fork w5 web[1] g2',
      '120 report reload-aborted web 4 crashed',
      '120 drain w5 rollback',
      '120 report rollout-finished 4 false {"web":"aborted","api":"skipped"}',
    ]);
    expect(generations(sim)).to.deep.equal([1, 1, 1]);
    expect(sim.liveWorkers().map((f) => f.worker)).to.deep.equal([1, 2, 3]);
    // nothing but the serving workers' heartbeat deadlines and the resync tick
    expect(sim.pendingTimers()).to.deep.equal(['heartbeat:1', 'heartbeat:2', 'heartbeat:3', 'reconcile']);
  });

  it('aborts when a new worker misses its ready timeout', () => {
    const sim = new Simulator(1, (fork) => (fork.generation === 2 ? { readyAfterMs: null } : {}));
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1, ready: { timeoutMs: 500 } }) } });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: ['web'], request: 2 });
    sim.advance(1000);
    expect(sim.lines().slice(2)).to.deep.equal([
      '100 fork w2 web[0] g2',
      '600 kill w2 SIGKILL ready-timeout',
      '600 report reload-aborted web 2 ready-timeout',
      '600 report rollout-finished 2 false {"web":"aborted"}',
    ]);
    expect(generations(sim)).to.deep.equal([1]);
  });

  it('aborts a roll that outlasts reload.timeoutMs and keeps the old workers', () => {
    const sim = new Simulator(1, (fork) => (fork.generation === 2 ? { readyAfterMs: null } : {}));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, reload: { timeoutMs: 5000 } }) },
    });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: [], request: 3 });
    sim.advance(10_000);
    expect(sim.lines().slice(2)).to.deep.equal([
      '100 fork w2 web[0] g2',
      '5100 report reload-aborted web 3 deadline',
      '5100 drain w2 rollback',
      '5100 report rollout-finished 3 false {"web":"aborted"}',
    ]);
    expect(generations(sim)).to.deep.equal([1]);
  });

  it('treats reload.timeoutMs as a progress deadline: a 10-minute roll that keeps moving finishes with the default', () => {
    // 64 workers that take 9.4 s each to be ready, one at a time (maxSurge 1): ~10 minutes, 5x the 120 s default
    const sim = new Simulator(1, (fork) => (fork.generation === 2 ? { readyAfterMs: 9_400 } : {}));
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 64 }) } });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(700_000);
    const reports = sim.lines(['report']).filter((l) => l.includes('reload') || l.includes('rollout'));
    expect(reports).to.deep.equal([
      '601700 report reload-finished web 1',
      '601700 report rollout-finished 1 true {"web":"finished"}',
    ]);
    expect(new Set(generations(sim))).to.deep.equal(new Set([2]));
    expect(generations(sim)).to.have.length(64);
  });

  it('aborts a stalled roll exactly reload.timeoutMs after its last progress', () => {
    // new workers: the first two are ready after 50 ms, the third never (its ready timeout is longer than the roll's)
    let n = 0;
    const sim = new Simulator(1, (fork) =>
      fork.generation === 2 ? { readyAfterMs: ++n <= 2 ? 50 : null } : {},
    );
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 3, ready: { timeoutMs: 3_600_000 } }) },
    });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(1_000_000);
    expect(sim.lines().slice(5)).to.deep.equal([
      '150 drain w3 reload',
      '150 fork w5 web[1] g2',
      '200 drain w2 reload',
      '200 fork w6 web[2] g2',
      // the last progress: w2 finished draining at 210
      '120210 report reload-aborted web 1 deadline',
      '120210 drain w6 rollback',
      '120210 fork w7 web[1] g1',
      '120210 report rollout-finished 1 false {"web":"aborted"}',
      '120260 drain w5 rollback',
      '120260 fork w8 web[2] g1',
      '120310 drain w4 rollback',
    ]);
  });

  it('rolls groups by reload.order: equal orders side by side, the next order after they finished', () => {
    const sim = new Simulator();
    const groups = {
      db: groupSpec({ count: 1, reload: { order: 0 } }),
      web: groupSpec({ count: 1, reload: { order: 1 } }),
      api: groupSpec({ count: 1, reload: { order: 1 } }),
    };
    sim.send({ type: 'config-applied', groups });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: [], request: 9 });
    sim.advance(1000);
    expect(sim.lines(['fork', 'report']).slice(6)).to.deep.equal([
      '100 fork w4 db[0] g2',
      '150 report reload-finished db 9',
      '150 fork w5 web[0] g2',
      '150 fork w6 api[0] g2',
      '200 report reload-finished web 9',
      '200 report reload-finished api 9',
      '200 report rollout-finished 9 true {"db":"finished","web":"finished","api":"finished"}',
    ]);
  });

  it('rolls a group whose revision changed in a new config, and only that group', () => {
    const sim = new Simulator();
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1 }), api: groupSpec({ count: 1 }) },
    });
    sim.advance(100);
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, revision: 'r2' }), api: groupSpec({ count: 1 }) },
      request: 5,
    });
    sim.advance(1000);
    const forks = sim.timeline.filter((t) => t.action.type === 'fork').map((t) => t.action);
    expect(forks.at(-1)).to.deep.include({ group: 'web', generation: 2, revision: 'r2' });
    expect(sim.lines(['report']).slice(-2)).to.deep.equal([
      '150 report reload-finished web 5',
      '150 report rollout-finished 5 true {"web":"finished"}',
    ]);
  });

  it('supersedes a reload requested during a reload without orphaning a worker', () => {
    const sim = running(2);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(20);
    sim.send({ type: 'reload-requested', groups: [], request: 2 });
    sim.advance(1000);
    expect(sim.lines().slice(3)).to.deep.equal([
      '100 fork w3 web[0] g2',
      '120 report rollout-finished 1 false {"web":"superseded"}',
      '120 drain w3 reload',
      '120 fork w4 web[0] g3',
      '170 drain w2 reload',
      '170 fork w5 web[1] g3',
      '220 drain w1 reload',
      '220 report reload-finished web 2',
      '220 report rollout-finished 2 true {"web":"finished"}',
    ]);
    expect(generations(sim)).to.deep.equal([3, 3]);
  });

  it('supersedes a reload with one for another group: the union rolls, in order', () => {
    const sim = new Simulator();
    sim.send({
      type: 'config-applied',
      groups: {
        web: groupSpec({ count: 1, reload: { order: 0 } }),
        api: groupSpec({ count: 1, reload: { order: 1 } }),
      },
    });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: ['web'], request: 1 });
    sim.advance(20);
    sim.send({ type: 'reload-requested', groups: ['api'], request: 2 });
    sim.advance(1000);
    expect(sim.lines(['fork', 'report']).slice(4)).to.deep.equal([
      '100 fork w3 web[0] g2',
      '120 report rollout-finished 1 false {"web":"superseded"}',
      '120 fork w4 web[0] g3',
      '170 report reload-finished web 2',
      '170 fork w5 api[0] g2',
      '220 report reload-finished api 2',
      '220 report rollout-finished 2 true {"api":"finished","web":"finished"}',
    ]);
  });

  it('lets a group mid-roll that is not in the new first batch converge, then rolls it again in its turn', () => {
    const sim = new Simulator();
    sim.send({
      type: 'config-applied',
      groups: {
        db: groupSpec({ count: 1, reload: { order: 0 } }),
        web: groupSpec({ count: 2, reload: { order: 1 } }),
      },
    });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: ['web'], request: 1 });
    sim.advance(20);
    sim.send({ type: 'reload-requested', groups: ['db'], request: 2 });
    sim.advance(1000);
    expect(sim.lines().slice(5)).to.deep.equal([
      '100 fork w4 web[0] g2',
      '120 report rollout-finished 1 false {"web":"superseded"}',
      '120 fork w5 db[0] g2',
      '150 drain w3 reload',
      '150 fork w6 web[1] g2',
      '170 drain w1 reload',
      '170 report reload-finished db 2',
      '170 drain w6 reload',
      '170 fork w7 web[0] g3',
      '220 drain w4 reload',
      '220 fork w8 web[1] g3',
      '270 drain w2 reload',
      '270 report reload-finished web 2',
      '270 report rollout-finished 2 true {"db":"finished","web":"finished"}',
    ]);
    expect(generations(sim)).to.deep.equal([2, 3, 3]);
  });

  it('follows a scale-down during a reload: the roll finishes at the new count', () => {
    const sim = running(4);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(60);
    sim.send({ type: 'scale-requested', counts: { web: 2 } });
    sim.advance(1000);
    // at 160, 5 live > 2 + maxSurge: the highest old ones go at once; w1 waits until w6 is ready
    expect(sim.lines().slice(5)).to.deep.equal([
      '100 fork w5 web[0] g2',
      '150 drain w4 reload',
      '150 fork w6 web[1] g2',
      '160 drain w3 reload',
      '160 drain w2 reload',
      '200 drain w1 reload',
      '200 report reload-finished web 1',
      '200 report rollout-finished 1 true {"web":"finished"}',
    ]);
    expect(sim.liveWorkers().map((f) => [f.index, f.generation])).to.deep.equal([
      [0, 2],
      [1, 2],
    ]);
  });

  it('follows a scale-up during a reload: new slots start at the new generation', () => {
    const sim = running(2);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(10);
    sim.send({ type: 'scale-requested', counts: { web: 3 } });
    sim.advance(1000);
    expect(describeGroups(sim.state)[0]?.workers.map((w) => [w.index, w.generation, w.state])).to.deep.equal([
      [0, 2, 'ready'],
      [1, 2, 'ready'],
      [2, 2, 'ready'],
    ]);
    // availability is counted against the new count at once: the third ready worker lets the first old one go
    expect(sim.lines(['fork', 'drain', 'report']).slice(3)).to.deep.equal([
      '100 fork w3 web[0] g2',
      '110 fork w4 web[1] g2',
      '160 drain w2 reload',
      '160 fork w5 web[2] g2',
      '210 drain w1 reload',
      '210 report reload-finished web 1',
      '210 report rollout-finished 1 true {"web":"finished"}',
    ]);
  });

  it('shows the group as reloading while it rolls', () => {
    const sim = running(1);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    expect(describeGroups(sim.state)[0]?.state).to.equal('reloading');
    sim.advance(100);
    expect(describeGroups(sim.state)[0]?.state).to.equal('running');
  });
});

describe('a config applied together with a reload', () => {
  it('rolls the changed groups and the requested ones in one request, each exactly once', () => {
    const sim = new Simulator();
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1 }), api: groupSpec({ count: 1 }) },
    });
    sim.advance(100);
    const forksBefore = sim.lines().filter((line) => line.includes(' fork ')).length;

    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, revision: 'r2' }), api: groupSpec({ count: 1 }) },
      request: 7,
      roll: ['api'],
    });
    sim.advance(1000);

    const lines = sim.lines();
    expect(lines.filter((line) => line.includes(' fork ')).length - forksBefore).to.equal(2);
    const finished = lines.filter((line) => line.includes('rollout-finished'));
    expect(finished).to.have.length(1);
    expect(finished[0]).to.match(
      /rollout-finished 7 true .*"web":"finished".*"api":"finished"|rollout-finished 7 true .*"api":"finished".*"web":"finished"/,
    );
    expect(lines.some((line) => line.includes('superseded'))).to.equal(false);
    expect(generations(sim)).to.deep.equal([2, 2]);
  });
});
