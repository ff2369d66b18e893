import { expect } from 'chai';
import { createEngine, step } from '../../src/policies/engine.ts';
import { describe as describeGroups, isShutdownComplete } from '../../src/policies/view.ts';
import { groupSpec, Simulator } from './simulator.ts';

describe('worker lifecycle', () => {
  it('starts count workers in slots 0..count-1 and reports the group ready once all listen', () => {
    const sim = new Simulator();
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 3 }) } });
    sim.advance(1000);
    expect(sim.lines(['fork', 'report', 'set-timer', 'cancel-timer'])).to.deep.equal([
      '0 fork w1 web[0] g1',
      '0 set ready-timeout:1 @30000',
      '0 fork w2 web[1] g1',
      '0 set ready-timeout:2 @30000',
      '0 fork w3 web[2] g1',
      '0 set ready-timeout:3 @30000',
      '0 set reconcile @10000',
      '50 set heartbeat:1 @10050',
      '50 cancel ready-timeout:1',
      '50 set heartbeat:2 @10050',
      '50 cancel ready-timeout:2',
      '50 set heartbeat:3 @10050',
      '50 cancel ready-timeout:3',
      '50 report group-ready web',
    ]);
    const [web] = describeGroups(sim.state);
    expect(web?.state).to.equal('running');
    expect(web?.workers.map((w) => [w.id, w.index, w.state, w.pid !== null])).to.deep.equal([
      [1, 0, 'ready', true],
      [2, 1, 'ready', true],
      [3, 2, 'ready', true],
    ]);
  });

  it("counts a worker ready on ready() when ready.on is 'message', not on listening", () => {
    const sim = new Simulator(1, () => ({ readyVia: 'worker-ready' }));
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1, ready: { on: 'message' } }) } });
    sim.send({ type: 'worker-listening', worker: 1 });
    expect(describeGroups(sim.state)[0]?.workers[0]?.state).to.equal('starting');
    sim.advance(100);
    expect(sim.lines(['report'])).to.deep.equal(['50 report group-ready web']);
  });

  it('kills a worker that misses its ready timeout and restarts its slot as a failure', () => {
    const sim = new Simulator(1, (fork) => (fork.worker === 1 ? { readyAfterMs: null } : {}));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, ready: { timeoutMs: 1000 } }) },
    });
    sim.advance(2000);
    expect(sim.lines()).to.deep.equal([
      '0 fork w1 web[0] g1',
      '1000 kill w1 SIGKILL ready-timeout',
      '1100 fork w2 web[0] g1',
      '1150 report group-ready web',
    ]);
  });

  it('kills a worker whose heartbeats stop, heartbeatTimeoutMs after the last one, and respawns its slot', () => {
    // w2 beats at 1000 and 2000, then its event loop blocks
    const sim = new Simulator(1, (fork) => (fork.worker === 2 ? { silentAfterMs: 2500 } : {}));
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 2 }) } });
    sim.advance(13_000);
    expect(sim.lines().slice(2)).to.deep.equal([
      '50 report group-ready web',
      '12000 kill w2 SIGKILL heartbeat',
      '12100 fork w3 web[1] g1',
    ]);
    expect(describeGroups(sim.state)[0]?.workers.map((w) => [w.id, w.restarts])).to.deep.equal([
      [1, 0],
      [3, 1],
    ]);
  });

  it('replaces a worker over its memory limit gracefully: the new one is ready before the old one drains', () => {
    const MB = 1024 * 1024;
    const sim = new Simulator(1, (fork) => ({
      beatEveryMs: 100,
      rssBytes: (since) => (fork.worker === 1 && since >= 300 ? 600 * MB : 100 * MB),
    }));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 2, health: { maxMemoryMb: 512 } }) },
    });
    sim.advance(1000);
    expect(sim.lines().slice(3)).to.deep.equal(['300 fork w3 web[0] g1', '350 drain w1 memory']);
    expect(describeGroups(sim.state)[0]?.workers.map((w) => [w.id, w.index, w.state])).to.deep.equal([
      [3, 0, 'ready'],
      [2, 1, 'ready'],
    ]);
  });

  it('with maxSurge 0, a memory replacement drains first, then forks', () => {
    const sim = new Simulator();
    const spec = groupSpec({
      count: 2,
      reload: { maxSurge: 0, maxUnavailable: 1 },
      health: { maxMemoryMb: 512 },
    });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(100);
    sim.send({ type: 'worker-heartbeat', worker: 2, rssBytes: 600 * 1024 * 1024 });
    sim.advance(500);
    expect(sim.lines().slice(3)).to.deep.equal(['100 drain w2 memory', '100 fork w3 web[1] g1']);
  });

  it("does not restart a clean exit under 'on-failure', but does restart a failure", () => {
    const sim = new Simulator(1, (fork) => ({ exitAfterMs: 100, exitCode: fork.index === 0 ? 0 : 3 }));
    const spec = groupSpec({ count: 2, restart: { when: 'on-failure', maxRestarts: 100 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(250);
    expect(sim.lines(['fork'])).to.deep.equal([
      '0 fork w1 web[0] g1',
      '0 fork w2 web[1] g1',
      '200 fork w3 web[1] g1',
    ]);
    const workers = describeGroups(sim.state)[0]?.workers.map((w) => [w.id, w.index, w.state]);
    expect(workers).to.deep.equal([
      [1, 0, 'stopped'],
      [3, 1, 'ready'],
    ]);
  });

  it("never restarts under 'never', until the next reload", () => {
    let exits = true;
    const sim = new Simulator(1, () => (exits ? { exitAfterMs: 100 } : {}));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, restart: { when: 'never' } }) },
    });
    sim.advance(1000);
    expect(sim.lines(['fork'])).to.deep.equal(['0 fork w1 web[0] g1']);
    exits = false;
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.advance(100);
    expect(sim.lines(['fork']).slice(1)).to.deep.equal(['1000 fork w2 web[0] g2']);
  });

  it('shows a scale override and since when, until the next config ends it (and logs that it did)', () => {
    const sim = new Simulator();
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 2 }) } });
    sim.advance(100);
    expect(describeGroups(sim.state)[0]?.scaled).to.equal(null);
    sim.send({ type: 'scale-requested', counts: { web: 3 } });
    sim.advance(100);
    expect(describeGroups(sim.state)[0]).to.deep.include({ desired: 3, scaled: { since: 100 } });
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 2 }) } });
    expect(describeGroups(sim.state)[0]).to.deep.include({ desired: 2, scaled: null });
    const ended = sim.timeline.filter(
      (t) => t.action.type === 'log' && t.action.msg === 'scale override ended',
    );
    expect(ended.map((t) => t.action)).to.deep.equal([
      {
        type: 'log',
        level: 'info',
        msg: 'scale override ended',
        fields: { group: 'web', from: 3, to: 2, since: 100 },
      },
    ]);
  });

  it('scales up into the lowest free indexes and down from the highest, gracefully', () => {
    const sim = new Simulator();
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 2 }) } });
    sim.advance(100);
    sim.send({ type: 'scale-requested', counts: { web: 4 } });
    sim.advance(100);
    sim.send({ type: 'scale-requested', counts: { web: 1 } });
    sim.advance(100);
    expect(sim.lines(['fork', 'drain', 'kill'])).to.deep.equal([
      '0 fork w1 web[0] g1',
      '0 fork w2 web[1] g1',
      '100 fork w3 web[2] g1',
      '100 fork w4 web[3] g1',
      '200 drain w4 scale-down',
      '200 drain w3 scale-down',
      '200 drain w2 scale-down',
    ]);
    expect(sim.liveWorkers().map((f) => f.worker)).to.deep.equal([1]);
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 2 }) } });
    expect(sim.lines(['fork']).at(-1)).to.equal('300 fork w5 web[1] g1');
  });

  it('drops the backoff of a slot removed by a scale-down', () => {
    const sim = new Simulator(1, (fork) =>
      fork.worker === 2 ? { readyAfterMs: null, exitAfterMs: 10 } : {},
    );
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 2 }) } });
    sim.advance(50);
    // w1 serves (its heartbeat deadline is pending); w2's slot waits in backoff; the resync tick
    expect(sim.pendingTimers()).to.deep.equal(['heartbeat:1', 'reconcile', 'respawn:1:web']);
    sim.send({ type: 'scale-requested', counts: { web: 1 } });
    expect(sim.pendingTimers()).to.deep.equal(['heartbeat:1', 'reconcile']);
    sim.advance(1000);
    expect(sim.lines(['fork'])).to.deep.equal(['0 fork w1 web[0] g1', '0 fork w2 web[1] g1']);
  });

  it('drains the workers of a removed group and reports it removed once they exited', () => {
    const sim = new Simulator();
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1 }), api: groupSpec({ count: 1 }) },
    });
    sim.advance(100);
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1 }) } });
    sim.advance(100);
    expect(sim.lines().slice(2)).to.deep.equal([
      '50 report group-ready web',
      '50 report group-ready api',
      '100 drain w2 removed',
      '110 report group-removed api',
    ]);
    expect(describeGroups(sim.state).map((g) => g.name)).to.deep.equal(['web']);
  });

  it('ignores events that make no sense and never throws on them', () => {
    let state = createEngine(1);
    const nonsense = [
      { type: 'worker-exited', worker: 99, code: 1, signal: null },
      { type: 'worker-listening', worker: 1 },
      { type: 'timer-fired', key: 'respawn:0:nope' },
      { type: 'worker-heartbeat', worker: 5, rssBytes: 1e12 },
      { type: 'timer-fired', key: 'heartbeat:5' },
      { type: 'scale-requested', counts: { nope: 3 } },
    ] as const;
    for (const event of nonsense) {
      const result = step(state, event, 0);
      state = result.state;
      expect(result.actions.filter((a) => a.type !== 'log')).to.deep.equal([]);
    }
    const sim = new Simulator();
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1 }) } });
    sim.advance(100);
    sim.crash(1);
    const before = sim.timeline.length;
    sim.send({ type: 'worker-exited', worker: 1, code: 1, signal: null });
    sim.send({ type: 'worker-listening', worker: 1 });
    sim.send({ type: 'timer-fired', key: 'ready-timeout:1' });
    sim.send({ type: 'scale-requested', counts: { web: -1 } });
    expect(sim.timeline.slice(before).filter((t) => t.action.type !== 'log')).to.deep.equal([]);
    expect(isShutdownComplete(sim.state)).to.equal(false);
  });

  it('handles an exit that arrives before the worker was reported forked', () => {
    const sim = new Simulator();
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1 }) } });
    sim.send({ type: 'worker-exited', worker: 1, code: null, signal: 'SIGSEGV' });
    sim.send({ type: 'worker-forked', worker: 1, pid: 123 });
    sim.send({ type: 'worker-online', worker: 1 });
    sim.advance(200);
    expect(sim.lines(['fork'])).to.deep.equal(['0 fork w1 web[0] g1', '100 fork w2 web[0] g1']);
  });
});
