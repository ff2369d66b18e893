import { expect } from 'chai';
import { backoffDelay } from '../../src/policies/backoff.ts';
import { createRng, nextRandom } from '../../src/policies/random.ts';
import { timerKey } from '../../src/policies/timer-key.ts';

describe('backoffDelay', () => {
  const exponential = {
    strategy: 'exponential',
    initialMs: 100,
    maxMs: 30_000,
    factor: 2,
    jitter: 0,
  } as const;

  it('doubles from initialMs and stops at maxMs', () => {
    const delays = [0, 1, 2, 3, 8, 9, 10, 50].map((attempt) => backoffDelay(exponential, attempt, 0.5));
    expect(delays).to.deep.equal([100, 200, 400, 800, 25_600, 30_000, 30_000, 30_000]);
  });

  it('spreads an exponential delay by +-jitter, scaled by the random input', () => {
    const spec = { ...exponential, jitter: 0.1 };
    expect(backoffDelay(spec, 3, 0)).to.equal(720);
    expect(backoffDelay(spec, 3, 0.5)).to.equal(800);
    expect(backoffDelay(spec, 3, 0.75)).to.equal(840);
  });

  it('never exceeds maxMs, even with jitter at the cap (jitter applies before the cap)', () => {
    const spec = { ...exponential, jitter: 0.1 };
    expect(backoffDelay(spec, 9, 0.999_999)).to.equal(30_000);
    expect(backoffDelay(spec, 9, 0)).to.equal(27_000);
    for (let attempt = 0; attempt < 40; attempt++)
      for (const r of [0, 0.25, 0.5, 0.75, 0.999_999])
        expect(backoffDelay(spec, attempt, r)).to.be.at.most(spec.maxMs);
  });

  it('grows linearly up to maxMs', () => {
    const spec = { strategy: 'linear', initialMs: 1000, incrementMs: 500, maxMs: 2200 } as const;
    expect([0, 1, 2, 3].map((a) => backoffDelay(spec, a, 0))).to.deep.equal([1000, 1500, 2000, 2200]);
  });

  it('is constant for fixed and zero for none', () => {
    expect(backoffDelay({ strategy: 'fixed', delayMs: 250 }, 7, 0.3)).to.equal(250);
    expect(backoffDelay({ strategy: 'none' }, 7, 0.3)).to.equal(0);
  });

  it('always yields a whole, non-negative delay a timer can hold, even from nonsense input', () => {
    const huge = { ...exponential, maxMs: Number.POSITIVE_INFINITY };
    expect(backoffDelay(huge, 5000, 0.5)).to.equal(2 ** 31 - 1);
    expect(backoffDelay({ strategy: 'fixed', delayMs: -5 }, 0, 0)).to.equal(0);
    expect(backoffDelay({ strategy: 'fixed', delayMs: Number.NaN }, 0, 0)).to.equal(0);
    expect(backoffDelay(exponential, -3, 0)).to.equal(100);
    expect(backoffDelay({ ...exponential, jitter: 0.5 }, 0, Number.NaN)).to.equal(100);
  });
});

describe('nextRandom', () => {
  it('replays the same sequence from the same seed, in [0, 1)', () => {
    const a = createRng(42);
    const b = createRng(42);
    const first = Array.from({ length: 1000 }, () => nextRandom(a));
    const second = Array.from({ length: 1000 }, () => nextRandom(b));
    expect(first).to.deep.equal(second);
    expect(first.every((x) => x >= 0 && x < 1)).to.equal(true);
    expect(new Set(first).size).to.be.greaterThan(990);
  });

  it('gives different sequences for different seeds', () => {
    const a = createRng(1);
    const b = createRng(2);
    expect(nextRandom(a)).to.not.equal(nextRandom(b));
  });
});

describe('timerKey', () => {
  it('names each timer uniquely, even when a group name contains separators', () => {
    const keys = [
      timerKey({ kind: 'respawn', group: 'a:1', index: 2 }),
      timerKey({ kind: 'respawn', group: 'a', index: 12 }),
      timerKey({ kind: 'respawn', group: '1:a', index: 2 }),
      timerKey({ kind: 'ready-timeout', worker: 2 }),
      timerKey({ kind: 'kill-deadline', worker: 2 }),
      timerKey({ kind: 'reload-deadline', group: 'a' }),
    ];
    expect(new Set(keys).size).to.equal(keys.length);
    expect(timerKey({ kind: 'respawn', group: 'web', index: 3 })).to.equal(
      timerKey({ index: 3, group: 'web', kind: 'respawn' }),
    );
  });
});
