import { expect } from 'chai';
import { throttle } from '../../src/worker/throttle.ts';

describe('throttle', () => {
  it('passes the first value at once, then only the latest per interval, and never drops the last', async () => {
    const sent: number[] = [];
    const { push } = throttle(100, (value: number) => sent.push(value));
    push(5);
    push(4);
    push(3);
    expect(sent).to.deep.equal([5]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(sent).to.deep.equal([5, 3]);
  });

  it('flush sends what is pending now', () => {
    const sent: number[] = [];
    const { push, flush } = throttle(10_000, (value: number) => sent.push(value));
    push(2);
    push(0);
    flush();
    flush();
    expect(sent).to.deep.equal([2, 0]);
  });
});
