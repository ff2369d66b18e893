import { expect } from 'chai';
import { createHealthWatch, type HealthLimits } from '../../src/primary/health-watch.ts';
import type { ClusterHost } from '../../src/primary/hosts/types.ts';
import { WorkerRegistry } from '../../src/primary/worker-registry.ts';

const host = {} as ClusterHost;
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(limits: HealthLimits) {
  let clock = 1_000;
  const registry = new WorkerRegistry();
  const missed: number[] = [];
  const overMemory: Array<[number, number]> = [];
  const watch = createHealthWatch({
    now: () => clock,
    registry,
    limits: (group) => (group === 'web' ? limits : undefined),
    missed: (worker) => missed.push(worker),
    overMemory: (worker, rss) => overMemory.push([worker, rss]),
    checkEveryMs: 5,
  });
  return {
    registry,
    watch,
    missed,
    overMemory,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('primary health watch', () => {
  it('reports a worker silent for longer than its heartbeat timeout, once', async () => {
    const t = setup({ heartbeatTimeoutMs: 1000, maxMemoryMb: 0 });
    t.registry.add(7, { host, group: 'web', index: 0 });
    t.watch.beat(7, 1);
    t.advance(1001);
    await tick(30);
    expect(t.missed).to.deep.equal([7]);
    t.advance(5000);
    await tick(30);
    expect(t.missed).to.deep.equal([7]);
    t.watch.stop();
  });

  it('leaves a worker alone until its first heartbeat, and while beats keep coming', async () => {
    const t = setup({ heartbeatTimeoutMs: 1000, maxMemoryMb: 0 });
    t.registry.add(1, { host, group: 'web', index: 0 });
    t.advance(5000);
    await tick(30);
    t.watch.beat(1, 1);
    for (let i = 0; i < 5; i++) {
      t.advance(900);
      t.watch.beat(1, 1);
      await tick(10);
    }
    expect(t.missed).to.deep.equal([]);
    t.watch.stop();
  });

  it('does not watch heartbeats when the timeout is 0', async () => {
    const t = setup({ heartbeatTimeoutMs: 0, maxMemoryMb: 0 });
    t.registry.add(1, { host, group: 'web', index: 0 });
    t.watch.beat(1, 1);
    t.advance(1_000_000);
    await tick(30);
    expect(t.missed).to.deep.equal([]);
    t.watch.stop();
  });

  it('reports memory over the limit once per worker', () => {
    const t = setup({ heartbeatTimeoutMs: 0, maxMemoryMb: 100 });
    t.registry.add(3, { host, group: 'web', index: 0 });
    t.watch.beat(3, 100 * 1024 * 1024);
    expect(t.overMemory).to.deep.equal([]);
    t.watch.beat(3, 101 * 1024 * 1024);
    t.watch.beat(3, 150 * 1024 * 1024);
    expect(t.overMemory).to.deep.equal([[3, 101 * 1024 * 1024]]);
    t.watch.stop();
  });
});

describe('primary health watch: arming', () => {
  it('catches a worker that falls silent after it listened but before its first heartbeat', async () => {
    const t = setup({ heartbeatTimeoutMs: 1000, maxMemoryMb: 0 });
    t.registry.add(4, { host, group: 'web', index: 0 });
    t.watch.arm(4);
    t.advance(1001);
    await tick(30);
    expect(t.missed).to.deep.equal([4]);
    t.watch.stop();
  });

  it('does not restart the silence count when armed again after a beat', async () => {
    const t = setup({ heartbeatTimeoutMs: 1000, maxMemoryMb: 0 });
    t.registry.add(5, { host, group: 'web', index: 0 });
    t.watch.beat(5, 1);
    t.advance(600);
    t.watch.arm(5);
    t.advance(600);
    await tick(30);
    expect(t.missed).to.deep.equal([5]);
    t.watch.stop();
  });

  it('does not blame the workers for a stall of the primary itself: the silence it caused is credited', async () => {
    const registry = new WorkerRegistry();
    const missed: number[] = [];
    const watch = createHealthWatch({
      now: () => performance.now(),
      registry,
      limits: () => ({ heartbeatTimeoutMs: 500, maxMemoryMb: 0 }),
      missed: (worker) => missed.push(worker),
      checkEveryMs: 20,
    });
    try {
      registry.add(7, { host, group: 'web', index: 0 });
      watch.beat(7, 1);
      // The primary stands still for 1.5 s (SIGSTOP, a blocked loop): the worker's beats wait in the pipe.
      const until = performance.now() + 1500;
      while (performance.now() < until) {}
      setImmediate(() => watch.beat(7, 1));
      await tick(200);
      expect(missed).to.deep.equal([]);
      // A worker that really falls silent is still caught.
      await tick(800);
      expect(missed).to.deep.equal([7]);
    } finally {
      watch.stop();
    }
  });
});
