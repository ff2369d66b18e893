import { expect } from 'chai';
import { describe as describeGroups } from '../../src/policies/view.ts';
import { groupSpec, Simulator } from './simulator.ts';

describe('recycling', () => {
  it('replaces a worker after its requests like a reload of that worker: successor ready first, not a failure', () => {
    const sim = new Simulator();
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 2, recycle: { afterRequests: 1000 } }) },
    });
    sim.advance(100);
    sim.send({ type: 'requests-served', worker: 1, total: 999 });
    expect(sim.lines().slice(3)).to.deep.equal([]);
    sim.send({ type: 'requests-served', worker: 1, total: 1000 });
    sim.send({ type: 'requests-served', worker: 1, total: 1001 });
    sim.advance(500);
    expect(sim.lines().slice(3)).to.deep.equal(['100 fork w3 web[0] g1', '150 drain w1 recycle']);
    const [web] = describeGroups(sim.state);
    expect(web?.recycled).to.deep.equal({ requests: 1, uptime: 0 });
    expect(web?.workers.map((w) => [w.id, w.index, w.state, w.restarts])).to.deep.equal([
      [3, 0, 'ready', 0],
      [2, 1, 'ready', 0],
    ]);
  });

  it('recycles one worker at a time under maxSurge 1, two at a time under maxSurge 2', () => {
    const run = (maxSurge: number): string[] => {
      const sim = new Simulator();
      const spec = groupSpec({ count: 2, reload: { maxSurge }, recycle: { afterRequests: 10 } });
      sim.send({ type: 'config-applied', groups: { web: spec } });
      sim.advance(100);
      sim.send({ type: 'requests-served', worker: 1, total: 10 });
      sim.send({ type: 'requests-served', worker: 2, total: 10 });
      sim.advance(500);
      return sim.lines().slice(3);
    };
    expect(run(1)).to.deep.equal([
      '100 fork w3 web[0] g1',
      '150 drain w1 recycle',
      '160 fork w4 web[1] g1',
      '210 drain w2 recycle',
    ]);
    expect(run(2)).to.deep.equal([
      '100 fork w3 web[0] g1',
      '100 fork w4 web[1] g1',
      '150 drain w2 recycle',
      '150 drain w1 recycle',
    ]);
  });

  it('with maxSurge 0 drains first, keeping within maxUnavailable', () => {
    const sim = new Simulator();
    const spec = groupSpec({
      count: 2,
      reload: { maxSurge: 0, maxUnavailable: 1 },
      recycle: { afterRequests: 5 },
    });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(100);
    sim.send({ type: 'requests-served', worker: 2, total: 5 });
    sim.advance(500);
    expect(sim.lines().slice(3)).to.deep.equal(['100 drain w2 recycle', '100 fork w3 web[1] g1']);
  });

  it("spreads the uptime limit by jitter, drawn per worker from the engine's seed", () => {
    const drains = (seed: number): number[] => {
      const sim = new Simulator(seed);
      const spec = groupSpec({
        count: 4,
        reload: { maxSurge: 4 },
        recycle: { afterMs: 10_000, jitter: 0.5 },
      });
      sim.send({ type: 'config-applied', groups: { web: spec } });
      sim.advance(10_100);
      return sim.timeline.filter((t) => t.action.type === 'drain' && t.action.worker <= 4).map((t) => t.at);
    };
    const times = drains(7);
    expect(times).to.have.length(4);
    for (const at of times) expect(at).to.be.within(5000, 10_050);
    expect(new Set(times).size).to.be.greaterThan(1);
    expect(drains(7)).to.deep.equal(times);
  });

  it('waits for a running reload: a worker due during the roll is replaced by the roll, not recycled', () => {
    const sim = new Simulator();
    const spec = groupSpec({ count: 1, recycle: { afterRequests: 10 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(100);
    sim.send({ type: 'reload-requested', groups: [], request: 1 });
    sim.send({ type: 'requests-served', worker: 1, total: 10 });
    sim.advance(500);
    expect(sim.lines(['fork', 'drain'])).to.deep.equal([
      '0 fork w1 web[0] g1',
      '100 fork w2 web[0] g2',
      '150 drain w1 reload',
    ]);
    expect(describeGroups(sim.state)[0]?.recycled).to.deep.equal({ requests: 0, uptime: 0 });
  });

  it('does not count against the crash-loop guard, however often it recycles', () => {
    const sim = new Simulator();
    const spec = groupSpec({
      count: 1,
      restart: { maxRestarts: 1, windowMs: 60_000 },
      recycle: { afterMs: 200 },
    });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(5000);
    const [web] = describeGroups(sim.state);
    expect(web?.state).to.not.equal('failed');
    expect(web?.workers.filter((w) => w.state === 'ready')).to.have.length(1);
    expect(web?.recycled.uptime).to.be.at.least(10);
    expect(sim.lines(['report']).filter((line) => line.includes('failed'))).to.deep.equal([]);
  });
});
