import { expect } from 'chai';
import { backoffDelay } from '../../src/policies/backoff.ts';
import type { BackoffSpec } from '../../src/policies/types.ts';
import { describe as describeGroups } from '../../src/policies/view.ts';
import { groupSpec, Simulator } from './simulator.ts';

/** Every worker crashes (exit 1) 10 ms after its fork, never ready. */
const crashAfter10 = () => ({ readyAfterMs: null, exitAfterMs: 10 });

function crashLoop(backoff: BackoffSpec, maxRestarts: number, seed = 1): Simulator {
  const sim = new Simulator(seed, crashAfter10);
  const spec = groupSpec({ count: 1, backoff, restart: { maxRestarts, windowMs: 3_600_000 } });
  sim.send({ type: 'config-applied', groups: { web: spec } });
  sim.advance(200_000);
  return sim;
}

/**
 * The contract's default backoff (jitter 0 here) with maxRestarts 10: crash at fork + 10, respawn after 100, 200,
 * 400 ... capped at 30 000; the 11th crash in a row fails the group.
 */
const ELEVEN_CRASHES = [
  '0 fork w1 web[0] g1',
  '110 fork w2 web[0] g1',
  '320 fork w3 web[0] g1',
  '730 fork w4 web[0] g1',
  '1540 fork w5 web[0] g1',
  '3150 fork w6 web[0] g1',
  '6360 fork w7 web[0] g1',
  '12770 fork w8 web[0] g1',
  '25580 fork w9 web[0] g1',
  '51190 fork w10 web[0] g1',
  '81200 fork w11 web[0] g1',
  '81210 report group-failed web crash-loop',
];

describe('crash loop', () => {
  it('follows exponential backoff to the millisecond, then gives up on the 11th restart', () => {
    const sim = crashLoop(
      { strategy: 'exponential', initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0 },
      10,
    );
    expect(sim.lines()).to.deep.equal(ELEVEN_CRASHES);
    expect(sim.pendingTimers()).to.deep.equal(['reconcile']);
    expect(describeGroups(sim.state)[0]?.state).to.equal('failed');
  });

  it('gives up with the defaults: 11 failed starts in a row (~81 s), though never 11 restarts within 60 s', () => {
    const sim = new Simulator(1, crashAfter10);
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1 }) } });
    sim.advance(600_000);
    expect(sim.lines()).to.deep.equal(ELEVEN_CRASHES);
    expect(sim.pendingTimers()).to.deep.equal(['reconcile']);
  });

  it('keeps restarting a group that is merely flaky: each worker serves resetAfterMs before it crashes', () => {
    // with the defaults, every worker serves 61 s then crashes: ten hours, ~590 crashes, never a failed start
    const sim = new Simulator(1, () => ({ readyAfterMs: 50, exitAfterMs: 61_050 }));
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1 }) } });
    sim.advance(10 * 3_600_000);
    expect(sim.lines(['report'])).to.deep.equal(['50 report group-ready web']);
    expect(sim.lines(['fork']).length).to.be.greaterThan(500);
    expect(describeGroups(sim.state)[0]?.state).to.not.equal('failed');
  });

  it('counts failed starts per slot: a slot that crashes forever fails the group, crashes spread over slots do not', () => {
    // 4 slots, each crashes 3 times in a row then serves: 12 crashes, but no slot had more than maxRestarts 3 in a row
    const starts = new Map<number, number>();
    const sim = new Simulator(1, (fork) => {
      const n = (starts.get(fork.index) ?? 0) + 1;
      starts.set(fork.index, n);
      // staggered by slot, so the (1 ms) window never holds two restarts
      return n <= 3 ? { readyAfterMs: null, exitAfterMs: 10 + 3 * fork.index } : {};
    });
    const spec = groupSpec({ count: 4, restart: { maxRestarts: 3, windowMs: 1 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(10_000);
    expect(sim.lines(['report'])).to.deep.equal(['807 report group-ready web']);
    // the same with 4 crashes in a row in one slot fails it on the 4th
    const bad = new Simulator(1, (fork) => (fork.index === 2 ? crashAfter10() : {}));
    bad.send({ type: 'config-applied', groups: { web: spec } });
    bad.advance(10_000);
    expect(bad.lines(['report'])).to.deep.equal(['740 report group-failed web crash-loop']);
  });

  it('sets the respawn timer at the crash, for the delay of that attempt', () => {
    const sim = crashLoop(
      { strategy: 'exponential', initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0 },
      2,
    );
    expect(sim.lines(['set-timer']).filter((l) => l.includes('respawn'))).to.deep.equal([
      '10 set respawn:0:web @110',
      '120 set respawn:0:web @320',
    ]);
  });

  it('follows linear backoff', () => {
    const sim = crashLoop({ strategy: 'linear', initialMs: 100, incrementMs: 100, maxMs: 300 }, 4);
    expect(sim.lines()).to.deep.equal([
      '0 fork w1 web[0] g1',
      '110 fork w2 web[0] g1',
      '320 fork w3 web[0] g1',
      '630 fork w4 web[0] g1',
      '940 fork w5 web[0] g1',
      '950 report group-failed web crash-loop',
    ]);
  });

  it('follows fixed backoff', () => {
    const sim = crashLoop({ strategy: 'fixed', delayMs: 500 }, 2);
    expect(sim.lines()).to.deep.equal([
      '0 fork w1 web[0] g1',
      '510 fork w2 web[0] g1',
      '1020 fork w3 web[0] g1',
      '1030 report group-failed web crash-loop',
    ]);
  });

  it('restarts at once with no backoff, still through a respawn timer', () => {
    const sim = crashLoop({ strategy: 'none' }, 3);
    expect(sim.lines()).to.deep.equal([
      '0 fork w1 web[0] g1',
      '10 fork w2 web[0] g1',
      '20 fork w3 web[0] g1',
      '30 fork w4 web[0] g1',
      '40 report group-failed web crash-loop',
    ]);
    expect(sim.lines(['set-timer']).filter((l) => l.includes('respawn'))[0]).to.equal(
      '10 set respawn:0:web @10',
    );
  });

  it('draws jitter from the seed: the same seed replays the same timeline, another seed does not', () => {
    const backoff = {
      strategy: 'exponential',
      initialMs: 1000,
      maxMs: 60_000,
      factor: 2,
      jitter: 0.5,
    } as const;
    const a = crashLoop(backoff, 5, 7);
    const b = crashLoop(backoff, 5, 7);
    const c = crashLoop(backoff, 5, 8);
    expect(a.lines()).to.deep.equal(b.lines());
    expect(a.lines()).to.not.deep.equal(c.lines());
    const forks = a.timeline.filter((t) => t.action.type === 'fork').map((t) => t.at);
    const delays = forks.slice(1).map((at, i) => at - ((forks[i] as number) + 10));
    delays.forEach((delay, attempt) => {
      expect(delay).to.be.within(
        backoffDelay(backoff, attempt, 0),
        backoffDelay(backoff, attempt, 0.999_999),
      );
    });
  });

  it('forgets restarts older than the window', () => {
    // a restart every 110 ms: 10 of them fit in 1000 ms, 11 in 1200 ms; each worker serves 5 ms before it crashes
    // and resetAfterMs is 5, so every start succeeded and only the window decides
    const run = (windowMs: number) => {
      const sim = new Simulator(1, () => ({ readyAfterMs: 5, exitAfterMs: 10 }));
      const spec = groupSpec({
        count: 1,
        backoff: { strategy: 'fixed', delayMs: 100 },
        restart: { windowMs, resetAfterMs: 5 },
      });
      sim.send({ type: 'config-applied', groups: { web: spec } });
      sim.advance(5000);
      return sim.lines(['report']).filter((l) => l.includes('failed'));
    };
    expect(run(1000)).to.deep.equal([]);
    expect(run(1200)).to.deep.equal(['1110 report group-failed web crash-loop']);
  });

  it('counts a restart exactly windowMs old, as OTP does, and forgets it one ms later', () => {
    // each worker is ready 5 ms after its fork and crashes 5 ms later: every start succeeded (resetAfterMs 5), so
    // only the window decides; restarts are scheduled at 10, 510, 1010 (delay 490) or 10, 511, 1012 (delay 491)
    const run = (delayMs: number) => {
      const sim = new Simulator(1, () => ({ readyAfterMs: 5, exitAfterMs: 10 }));
      const spec = groupSpec({
        count: 1,
        backoff: { strategy: 'fixed', delayMs },
        restart: { maxRestarts: 2, windowMs: 1000, resetAfterMs: 5 },
      });
      sim.send({ type: 'config-applied', groups: { web: spec } });
      sim.advance(1200);
      return sim.lines(['report']).filter((l) => l.includes('failed'));
    };
    expect(run(490)).to.deep.equal(['1010 report group-failed web crash-loop']);
    expect(run(491)).to.deep.equal([]);
  });

  it('resets the backoff after resetAfterMs of ready uptime', () => {
    // w1 and w2 crash at once; w3 serves for 2 s, then crashes: its restart is attempt 0 again
    const sim = new Simulator(1, (fork) => (fork.worker === 3 ? { exitAfterMs: 2050 } : crashAfter10()));
    const spec = groupSpec({ count: 1, restart: { resetAfterMs: 1000, windowMs: 3_600_000 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(10_000);
    // w3 crashes at 2370 after 2000 ms ready: 100 ms again (attempt 0), then 200 for w4's crash
    expect(sim.lines(['fork']).slice(0, 5)).to.deep.equal([
      '0 fork w1 web[0] g1',
      '110 fork w2 web[0] g1',
      '320 fork w3 web[0] g1',
      '2470 fork w4 web[0] g1',
      '2680 fork w5 web[0] g1',
    ]);
  });

  it('does not count a worker that has not been ready for resetAfterMs as a reset', () => {
    const sim = new Simulator(1, (fork) => (fork.worker === 3 ? { exitAfterMs: 500 } : crashAfter10()));
    const spec = groupSpec({ count: 1, restart: { resetAfterMs: 1000, windowMs: 3_600_000 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(3000);
    // w3 was ready 450 ms only: its crash is attempt 2, 400 ms
    expect(sim.lines(['fork']).slice(2, 4)).to.deep.equal([
      '320 fork w3 web[0] g1',
      '1220 fork w4 web[0] g1',
    ]);
  });

  it('forks nothing more for a failed group, while its healthy workers keep serving', () => {
    const sim = new Simulator(1, (fork) => (fork.index === 1 ? crashAfter10() : {}));
    const spec = groupSpec({
      count: 2,
      backoff: { strategy: 'fixed', delayMs: 100 },
      restart: { maxRestarts: 2 },
    });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(60_000);
    expect(sim.lines()).to.deep.equal([
      '0 fork w1 web[0] g1',
      '0 fork w2 web[1] g1',
      '110 fork w3 web[1] g1',
      '220 fork w4 web[1] g1',
      '230 report group-failed web crash-loop',
    ]);
    expect(sim.liveWorkers().map((f) => f.worker)).to.deep.equal([1]);
  });

  it('recovers on reload: the failure is cleared and group-recovered reported at full strength', () => {
    let healthy = false;
    const sim = new Simulator(1, () => (healthy ? {} : crashAfter10()));
    const spec = groupSpec({
      count: 2,
      backoff: { strategy: 'fixed', delayMs: 100 },
      restart: { maxRestarts: 3 },
    });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(1000);
    healthy = true;
    sim.send({ type: 'reload-requested', groups: ['web'], request: 1 });
    sim.advance(1000);
    // 4 restarts > maxRestarts 3 at 120: w3's pending respawn is cancelled, nothing more is forked until the reload
    expect(sim.lines()).to.deep.equal([
      '0 fork w1 web[0] g1',
      '0 fork w2 web[1] g1',
      '110 fork w3 web[0] g1',
      '110 fork w4 web[1] g1',
      '120 report group-failed web crash-loop',
      '1000 fork w5 web[0] g2',
      '1000 fork w6 web[1] g2',
      '1050 report group-ready web',
      '1050 report group-recovered web',
      '1050 report reload-finished web 1',
      '1050 report rollout-finished 1 true {"web":"finished"}',
    ]);
    expect(describeGroups(sim.state)[0]?.state).to.equal('running');
  });

  it('recovers on a config change of the failed group', () => {
    let healthy = false;
    const sim = new Simulator(1, () => (healthy ? {} : crashAfter10()));
    const spec = groupSpec({ count: 1, backoff: { strategy: 'none' }, restart: { maxRestarts: 1 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(100);
    healthy = true;
    sim.send({ type: 'config-applied', groups: { web: { ...spec, count: 2 } } });
    sim.advance(100);
    expect(sim.lines()).to.deep.equal([
      '0 fork w1 web[0] g1',
      '10 fork w2 web[0] g1',
      '20 report group-failed web crash-loop',
      '100 fork w3 web[0] g1',
      '100 fork w4 web[1] g1',
      '150 report group-ready web',
      '150 report group-recovered web',
    ]);
  });

  describe('what status says about it', () => {
    const inUse = 'Error: listen EADDRINUSE: address already in use 0.0.0.0:4150';
    const looping = (crashes: number) => {
      let forks = 0;
      const sim = new Simulator(1, () =>
        ++forks <= crashes ? { readyAfterMs: null, exitAfterMs: 10, stderr: inUse } : {},
      );
      const spec = groupSpec({
        count: 1,
        backoff: { strategy: 'fixed', delayMs: 1000 },
        restart: { maxRestarts: 100, windowMs: 60_000 },
      });
      sim.send({ type: 'config-applied', groups: { web: spec } });
      return sim;
    };
    const crashLoopLogs = (sim: Simulator) =>
      sim.timeline.filter((t) => t.action.type === 'log' && t.action.msg === 'group crash-looping');

    it('is backing off after a crash, with the exit code and the stderr line of the worker', () => {
      const sim = looping(Number.POSITIVE_INFINITY);
      sim.advance(10);
      const [web] = describeGroups(sim.state);
      expect(web?.state).to.equal('starting');
      expect(web?.condition).to.equal('backing-off');
      expect(web?.lastExit).to.deep.equal({
        worker: 1,
        index: 0,
        code: 1,
        signal: null,
        stoppedFor: null,
        stderr: inUse,
        at: 10,
      });
    });

    it('is crash-looping from the second crash in a row, between restarts too, and logs it once', () => {
      const sim = looping(Number.POSITIVE_INFINITY);
      sim.advance(1020);
      expect(describeGroups(sim.state)[0]?.condition).to.equal('crash-looping');
      sim.advance(1000); // forked again at 2020, not ready yet
      expect(describeGroups(sim.state)[0]?.workers[0]?.state).to.equal('starting');
      expect(describeGroups(sim.state)[0]?.condition).to.equal('crash-looping');
      sim.advance(10_000);
      const logs = crashLoopLogs(sim);
      expect(logs).to.have.length(1);
      expect(logs[0]?.at).to.equal(1020);
      expect(logs[0]?.action).to.deep.include({
        level: 'warn',
        fields: {
          group: 'web',
          reason: `exit code 1: ${inUse}`,
          nextRestartMs: 1000,
          maxRestarts: 100,
          windowMs: 60_000,
        },
      });
      const exits = sim.timeline.filter((t) => t.action.type === 'log' && t.action.msg === 'worker exited');
      expect(exits[0]?.action).to.have.nested.property('fields.stderr', inUse);
    });

    it('clears the condition once a worker is ready again, keeping the last exit', () => {
      const sim = looping(2);
      sim.advance(5000);
      const [web] = describeGroups(sim.state);
      expect(web?.state).to.equal('running');
      expect(web?.condition).to.equal(null);
      expect(web?.lastExit?.stderr).to.equal(inUse);
    });

    it('names a worker the engine stopped for not getting ready', () => {
      const sim = new Simulator(1, () => ({ readyAfterMs: null }));
      const spec = groupSpec({ count: 1, ready: { on: 'listening', timeoutMs: 500 } });
      sim.send({ type: 'config-applied', groups: { web: spec } });
      sim.advance(600);
      expect(describeGroups(sim.state)[0]?.lastExit).to.deep.include({
        signal: 'SIGKILL',
        stoppedFor: 'ready-timeout',
      });
    });
  });
});

describe('a worker lost with its host', () => {
  it('is forked again at once, counts no restart, and never fails the group however often it happens', () => {
    const sim = new Simulator(1);
    const spec = groupSpec({ count: 2, restart: { maxRestarts: 1, windowMs: 3_600_000 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(100);
    // The helper dies five times, taking both workers each time (five times over maxRestarts).
    for (let round = 0; round < 5; round++) {
      for (const fork of sim.liveWorkers()) sim.loseWithHost(fork.worker);
      sim.advance(100);
    }
    const forks = sim.lines(['fork']);
    expect(forks).to.have.length(12);
    // Each slot is forked in the very step that reported the loss: no backoff timer in between.
    expect(forks.slice(2).map((line) => line.split(' ')[0])).to.deep.equal([
      '100',
      '100',
      '200',
      '200',
      '300',
      '300',
      '400',
      '400',
      '500',
      '500',
    ]);
    expect(sim.lines(['set-timer']).filter((line) => line.includes('respawn'))).to.deep.equal([]);
    const [web] = describeGroups(sim.state);
    expect(web?.state).to.equal('running');
    expect(web?.workers.map((w) => [w.state, w.restarts])).to.deep.equal([
      ['ready', 0],
      ['ready', 0],
    ]);
  });

  it('still counts a crash of the app as one', () => {
    const sim = new Simulator(1);
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ count: 1 }) } });
    sim.advance(100);
    sim.crash(sim.liveWorkers()[0]?.worker as number, 1, null);
    sim.advance(1000);
    expect(describeGroups(sim.state)[0]?.workers.map((w) => w.restarts)).to.deep.equal([1]);
  });
});
