import { expect } from 'chai';
import { groupSpec, Simulator } from './simulator.ts';

/** Health is decided by the engine on its virtual clock: the shell only reports heartbeats and their RSS. */

const MB = 1024 * 1024;
const kills = (sim: Simulator) => sim.lines(['kill']);

describe('health: heartbeat deadline', () => {
  it('kills a worker silent for heartbeatTimeoutMs after its last beat, exactly then and once', () => {
    // beats at 1000..5000, then silent: killed at 5000 + 1000
    const sim = new Simulator(1, () => ({ silentAfterMs: 5500, drainMs: null }));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, health: { heartbeatTimeoutMs: 1000 } }) },
    });
    sim.advance(6500);
    expect(kills(sim)).to.deep.equal(['6000 kill w1 SIGKILL heartbeat']);
    expect(sim.lines(['log']).filter((l) => l.includes('heartbeat missed'))).to.have.length(1);
  });

  it('leaves a worker alone while beats keep coming, however long, with no timer action per beat', () => {
    const sim = new Simulator(1, () => ({ beatEveryMs: 900 }));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, health: { heartbeatTimeoutMs: 1000 } }) },
    });
    sim.advance(600_000);
    expect(kills(sim)).to.deep.equal([]);
    const sets = sim.lines(['set-timer']).filter((l) => l.includes('heartbeat'));
    // the lazy timer is set again only when it fires, about once per timeout, not once per beat (~666 beats)
    expect(sets.length).to.be.within(500, 700);
    expect(sim.timeline.filter((t) => t.action.type === 'set-timer').length).to.be.lessThan(800);
  });

  it('does not watch a worker before its first sign of life (module loading is the ready timeout)', () => {
    // never listens and never beats: only the ready timeout applies
    const sim = new Simulator(1, () => ({ readyAfterMs: null, beatEveryMs: null }));
    sim.send({
      type: 'config-applied',
      groups: {
        web: groupSpec({ count: 1, ready: { timeoutMs: 5000 }, health: { heartbeatTimeoutMs: 1000 } }),
      },
    });
    sim.advance(5500);
    expect(kills(sim)).to.deep.equal(['5000 kill w1 SIGKILL ready-timeout']);
  });

  it('catches a worker that falls silent after it listened but before its first heartbeat', () => {
    const sim = new Simulator(1, () => ({ beatEveryMs: null, drainMs: null }));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, health: { heartbeatTimeoutMs: 1000 } }) },
    });
    sim.advance(1100);
    expect(kills(sim)).to.deep.equal(['1050 kill w1 SIGKILL heartbeat']);
  });

  it('does not watch heartbeats when the timeout is 0', () => {
    const sim = new Simulator(1, () => ({ beatEveryMs: null }));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, health: { heartbeatTimeoutMs: 0 } }) },
    });
    sim.advance(1_000_000);
    expect(kills(sim)).to.deep.equal([]);
    expect(sim.pendingTimers()).to.deep.equal(['reconcile']);
  });

  it('applies a changed timeout to running workers at once', () => {
    const sim = new Simulator(1, () => ({ beatEveryMs: null }));
    const spec = groupSpec({ count: 1, health: { heartbeatTimeoutMs: 0 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(10_000);
    sim.send({
      type: 'config-applied',
      groups: { web: { ...spec, health: { ...spec.health, heartbeatTimeoutMs: 20_000 } } },
    });
    sim.advance(11_000);
    // silent since it listened at 50: due at 20 050
    expect(kills(sim)).to.deep.equal(['20050 kill w1 SIGKILL heartbeat']);
  });

  it('stops watching a draining worker: its kill deadline bounds it', () => {
    const sim = new Simulator(1, (fork) => ({
      beatEveryMs: fork.worker === 1 ? 1000 : 1000,
      drainMs: 60_000,
    }));
    const spec = groupSpec({
      count: 1,
      health: { heartbeatTimeoutMs: 1000 },
      shutdown: { timeoutMs: 30_000 },
    });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(100);
    sim.send({ type: 'config-applied', groups: {} });
    sim.advance(40_000);
    expect(kills(sim)).to.deep.equal(['30100 kill w1 SIGKILL kill-deadline']);
  });
});

describe('health: memory limit', () => {
  it('replaces a worker over maxMemoryMb once, and never one at or under it', () => {
    const sim = new Simulator(1, (fork) => ({
      beatEveryMs: 100,
      rssBytes: (since) => (fork.worker === 1 ? (since >= 500 ? 101 * MB : 100 * MB) : 100 * MB),
    }));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, health: { maxMemoryMb: 100 } }) },
    });
    sim.advance(2000);
    expect(sim.lines(['fork', 'drain'])).to.deep.equal([
      '0 fork w1 web[0] g1',
      '500 fork w2 web[0] g1',
      '550 drain w1 memory',
    ]);
    expect(sim.lines(['log']).filter((l) => l.includes('memory over limit'))).to.have.length(1);
  });
});
