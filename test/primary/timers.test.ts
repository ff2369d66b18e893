import { expect } from 'chai';
import { createTimers } from '../../src/primary/timers.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('primary timers', () => {
  it('reports a key once its due time has come', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('respawn:web:0', Date.now() + 5);
    expect(fired).to.deep.equal([]);
    await tick(40);
    expect(fired).to.deep.equal(['respawn:web:0']);
    expect(timers.size).to.equal(0);
  });

  it('fires a due time already past at once, on the next turn', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('late', Date.now() - 1000);
    await tick(5);
    expect(fired).to.deep.equal(['late']);
  });

  it('replaces the earlier timer when a key is set again', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('deadline', Date.now() + 5);
    timers.set('deadline', Date.now() + 60_000);
    await tick(40);
    expect(fired).to.deep.equal([]);
    expect(timers.size).to.equal(1);
    timers.cancelAll();
  });

  it('never reports a cancelled key', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('a', Date.now() + 5);
    timers.set('b', Date.now() + 5);
    timers.cancel('a');
    timers.cancel('unknown');
    await tick(40);
    expect(fired).to.deep.equal(['b']);
  });
});
