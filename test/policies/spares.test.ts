import { expect } from 'chai';
import { describe as describeGroups } from '../../src/policies/view.ts';
import { groupSpec, Simulator } from './simulator.ts';

/** Spares: booted workers with no slot, activated into a slot whose worker died (see src/policies/spares.ts). */
describe('warm spares', () => {
  const start = (spec = groupSpec({ count: 2, spares: { count: 1 } }), seed = 1): Simulator => {
    const sim = new Simulator(seed);
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(200);
    return sim;
  };

  it('boots the spares once the group is at strength, not before (they would slow the first start)', () => {
    const sim = start(groupSpec({ count: 2, spares: { count: 2, preload: true } }));
    expect(sim.lines()).to.deep.equal([
      '0 fork w1 web[0] g1',
      '0 fork w2 web[1] g1',
      '50 report group-ready web',
      '50 fork w3 web[spare] g1',
      '50 fork w4 web[spare] g1',
    ]);
    expect(
      sim.timeline.find((t) => t.action.type === 'fork' && t.action.worker === 3)?.action,
    ).to.deep.include({
      spare: { preload: true },
    });
    const [web] = describeGroups(sim.state);
    expect(web?.spares.map((s) => [s.id, s.state])).to.deep.equal([
      [3, 'standby'],
      [4, 'standby'],
    ]);
    expect(web?.workers.map((w) => w.id)).to.deep.equal([1, 2]);
  });

  it("a spare takes a crashed worker's slot at once; the backoff holds back the spare booted behind it", () => {
    const sim = start();
    sim.crash(1, null, 'SIGKILL');
    sim.advance(1000);
    expect(sim.lines().slice(4)).to.deep.equal(['200 activate w3 [0]', '300 fork w4 web[spare] g1']);
    // no respawn timer for the slot: the spare-respawn timer carries the backoff (100 ms, the first attempt)
    expect(sim.lines(['set-timer']).filter((l) => l.includes('respawn'))).to.deep.equal([
      '200 set spare-respawn:web @300',
    ]);
    const [web] = describeGroups(sim.state);
    expect(web?.state).to.equal('running');
    expect(web?.workers.map((w) => [w.id, w.index, w.state, w.restarts])).to.deep.equal([
      [3, 0, 'ready', 1],
      [2, 1, 'ready', 0],
    ]);
    expect(web?.spares.map((s) => s.id)).to.deep.equal([4]);
  });

  it('a standby spare that dies is replaced by a new spare; the serving workers and their slots are untouched', () => {
    const sim = start();
    sim.crash(3, null, 'SIGKILL');
    sim.advance(1000);
    const [web] = describeGroups(sim.state);
    expect(web?.state).to.equal('running');
    expect(web?.workers.map((w) => [w.id, w.index, w.state, w.restarts])).to.deep.equal([
      [1, 0, 'ready', 0],
      [2, 1, 'ready', 0],
    ]);
    expect(web?.spares).to.have.length(1);
    expect(web?.spares[0]?.id).to.not.equal(3);
    expect(web?.spares[0]?.state).to.equal('standby');
  });

  it('without a spare standing by the slot waits its backoff as before', () => {
    const sim = start(groupSpec({ count: 2 }));
    sim.crash(1, null, 'SIGKILL');
    sim.advance(1000);
    expect(sim.lines().slice(3)).to.deep.equal(['300 fork w3 web[0] g1']);
  });

  it('never counts a spare as ready: its listening (held by the runtime) is ignored until it is activated', () => {
    const sim = start();
    sim.send({ type: 'worker-listening', worker: 3 });
    sim.send({ type: 'worker-ready', worker: 3 });
    const [web] = describeGroups(sim.state);
    expect(web?.workers.map((w) => w.id)).to.deep.equal([1, 2]);
    expect(web?.spares.map((s) => [s.id, s.state])).to.deep.equal([[3, 'standby']]);
    expect(sim.state.groups.get('web')?.readyCurrent).to.equal(2);
  });

  it('fills a scale-up from its spares, then boots new ones', () => {
    const sim = start();
    sim.send({ type: 'scale-requested', counts: { web: 3 } });
    sim.advance(1000);
    // the next spare boots (no crash, so no backoff) once the activated one is ready: a boot would slow it
    expect(sim.lines().slice(4)).to.deep.equal(['200 activate w3 [2]', '201 fork w4 web[spare] g1']);
  });

  it('discards the spares of the old revision when the group rolls, and boots new ones after the roll', () => {
    const sim = start();
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ revision: 'r2', spares: { count: 1 } }) },
    });
    sim.advance(1000);
    expect(sim.lines().slice(4)).to.deep.equal([
      '200 fork w4 web[0] g2',
      '200 drain w3 spare-discarded',
      '250 drain w2 reload',
      '250 fork w5 web[1] g2',
      '300 drain w1 reload',
      '300 report reload-finished web 0',
      '300 report rollout-finished 0 true {"web":"finished"}',
      '300 fork w6 web[spare] g2',
    ]);
  });

  it('discards spares over a lowered count, those still booting first, and a boot mode that changed', () => {
    const sim = new Simulator(1, (fork) => ({ readyAfterMs: fork.worker === 4 ? null : 50 }));
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ spares: { count: 3 } }) } });
    sim.advance(200);
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ spares: { count: 2 } }) } });
    sim.send({ type: 'config-applied', groups: { web: groupSpec({ spares: { count: 2, preload: true } }) } });
    expect(sim.lines().slice(6)).to.deep.equal([
      '200 drain w4 spare-discarded',
      '200 drain w3 spare-discarded',
      '200 drain w5 spare-discarded',
      '200 fork w6 web[spare] g1',
      '200 fork w7 web[spare] g1',
    ]);
  });

  it('a crashed worker replaced by a spare still counts for the crash-loop guard', () => {
    // every worker crashes 100 ms after it is ready; spares stand by after 50 ms
    const sim = new Simulator(1, (fork) =>
      fork.spare === undefined ? { exitAfterMs: 150 } : { exitAfterMs: undefined },
    );
    const spec = groupSpec({
      count: 1,
      spares: { count: 1 },
      backoff: { strategy: 'none' },
      restart: { maxRestarts: 2 },
    });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(200);
    for (const id of [2, 3]) {
      // an activated spare crashes like any worker
      sim.advance(100);
      sim.crash(id);
    }
    sim.advance(5000);
    const [web] = describeGroups(sim.state);
    expect(web?.state).to.equal('failed');
    expect(sim.lines(['report']).at(-1)).to.match(/group-failed web crash-loop/);
    expect(web?.spares).to.deep.equal([]);
  });

  it('gives up booting spares that keep crashing, the group serving on; a new config tries again', () => {
    const sim = new Simulator(1, (fork) =>
      fork.spare === undefined ? {} : { readyAfterMs: null, exitAfterMs: 10 },
    );
    const spec = groupSpec({ count: 1, spares: { count: 1 }, restart: { maxRestarts: 2 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(60_000);
    const spareForks = sim.lines(['fork']).filter((l) => l.includes('spare'));
    // first at 50, then after 100 and 200 ms of backoff; the third failure in a row is more than maxRestarts 2
    expect(spareForks).to.deep.equal([
      '50 fork w2 web[spare] g1',
      '160 fork w3 web[spare] g1',
      '370 fork w4 web[spare] g1',
    ]);
    const [web] = describeGroups(sim.state);
    expect(web?.state).to.equal('running');
    sim.send({ type: 'config-applied', groups: { web: { ...spec, spares: { count: 1, preload: true } } } });
    expect(sim.lines(['fork']).at(-1)).to.equal('60000 fork w5 web[spare] g1');
  });

  it('a spare that does not boot within the ready timeout is killed and counts as a failed spare boot', () => {
    const sim = new Simulator(1, (fork) => (fork.spare === undefined ? {} : { readyAfterMs: null }));
    sim.send({
      type: 'config-applied',
      groups: { web: groupSpec({ count: 1, spares: { count: 1 }, ready: { timeoutMs: 1000 } }) },
    });
    sim.advance(1200);
    expect(sim.lines().slice(2)).to.deep.equal([
      '50 fork w2 web[spare] g1',
      '1050 kill w2 SIGKILL ready-timeout',
      '1150 fork w3 web[spare] g1',
    ]);
  });

  it("counts a spare's uptime for recycling from its activation, not from its boot", () => {
    const sim = new Simulator();
    const spec = groupSpec({ count: 1, spares: { count: 1 }, recycle: { afterMs: 10_000 } });
    sim.send({ type: 'config-applied', groups: { web: spec } });
    sim.advance(9000);
    sim.crash(1, null, 'SIGKILL');
    sim.advance(5000);
    // the spare (forked at 50) took the slot at 9000: its 10 s run from there, not from its boot
    const timers = sim.lines(['set-timer']).filter((l) => l.includes('recycle:2'));
    expect(timers).to.deep.equal(['9001 set recycle:2 @19000']);
    expect(sim.lines(['drain'])).to.deep.equal([]);
  });

  it('drains spares on shutdown and on removal', () => {
    const sim = start();
    sim.send({ type: 'shutdown-requested' });
    sim.advance(1000);
    expect(sim.lines(['drain'])).to.deep.include('200 drain w3 shutdown');
    expect(sim.state.workers.size).to.equal(0);
    const removed = start();
    removed.send({ type: 'config-applied', groups: {} });
    expect(removed.lines(['drain'])).to.deep.include('200 drain w3 removed');
  });
});
