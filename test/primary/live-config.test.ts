import { expect } from 'chai';
import type { ClusterConfig } from '../../src/config/schema.ts';
import { LiveConfig } from '../../src/primary/live-config.ts';

const config = (count: number, watch = true) =>
  ({ watch, groups: { web: { count, entry: '/app/server.js', env: {} } } }) as unknown as ClusterConfig;

describe('the live config', () => {
  it('counts a generation for every applied config, not for a save that changed nothing', () => {
    const live = new LiveConfig(config(1));
    expect(live.accept(config(1), false).diff).to.equal(null);
    expect(live.generation).to.equal(1);
    expect(live.accept(config(2), false).diff?.groups).to.deep.equal({
      web: { kind: 'changed', count: true, restart: [], policy: [] },
    });
    expect(live.generation).to.equal(2);
    // A reload applies even an unchanged config: it is a new generation.
    expect(live.accept(config(2), true).diff?.groups).to.deep.equal({});
    expect(live.generation).to.equal(3);
  });

  it('keeps the last rejection until the next valid config, even one that changes nothing (a reverted edit)', () => {
    const live = new LiveConfig(config(1));
    live.reject([{ file: '/c.json', path: 'groups.web.count', message: 'too small' }]);
    expect(live.error).to.equal('/c.json: groups.web.count: too small');
    expect(live.accept(config(1), false)).to.deep.equal({
      diff: null,
      cleared: '/c.json: groups.web.count: too small',
    });
    expect(live.error).to.equal(null);
    expect(live.generation).to.equal(1);
    live.reject([{ file: '/c.json', path: 'groups.web.count', message: 'too small' }]);
    expect(live.accept(config(3), false).cleared).to.equal('/c.json: groups.web.count: too small');
    expect(live.error).to.equal(null);
    expect(live.accept(config(4), false).cleared).to.equal(null);
  });

  it('runs exclusive tasks one after another, even when one fails', async () => {
    const live = new LiveConfig(config(1));
    const order: string[] = [];
    const slow = live.exclusive(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('slow');
      throw new Error('boom');
    });
    const fast = live.exclusive(async () => {
      order.push('fast');
      return 7;
    });
    await slow.catch(() => {});
    expect(await fast).to.equal(7);
    expect(order).to.deep.equal(['slow', 'fast']);
  });

  it('coalesces triggers: a burst while idle runs once, a trigger during a run runs once more', async () => {
    const live = new LiveConfig(config(1));
    let runs = 0;
    let release: () => void = () => {};
    const trigger = live.serialized(async () => {
      runs += 1;
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    trigger();
    trigger();
    trigger();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runs).to.equal(1);
    trigger();
    trigger();
    release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runs).to.equal(2);
  });
});
