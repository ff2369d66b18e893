import { expect } from 'chai';
import { quantile } from '../../../src/cli/top/http-rates.ts';
import { buildRows, formatRows } from '../../../src/cli/top/model.ts';
import type { StatusJson, WorkerStatus } from '../../../src/primary/status.ts';
import type { HttpStats } from '../../../src/worker/http-stats.ts';

const stats = (finished: number, buckets: number[]): HttpStats => ({
  started: finished,
  byClass: [0, finished, 0, 0, 0],
  buckets: [...buckets, ...new Array(12 - buckets.length).fill(0)],
  sumSeconds: 0,
});

const worker = (index: number, http: HttpStats | null): WorkerStatus => ({
  id: index + 1,
  pid: 100 + index,
  index,
  state: 'ready',
  restarts: 0,
  startedAt: new Date(0).toISOString(),
  rollout: 1,
  rss: 1,
  cpuSeconds: 1,
  loopDelayMs: 0.5,
  longLived: null,
  http,
});

const sample = (at: number, workers: WorkerStatus[]) => ({
  at,
  status: {
    pid: 42,
    socket: '/run/c.sock',
    config: { path: '/c.json', generation: 1, error: null },
    groups: [
      {
        name: 'web',
        state: 'running',
        scheduling: 'round-robin',
        desired: 2,
        ready: 2,
        lastReload: null,
        scaled: null,
        condition: null,
        lastExit: null,
        workers,
      },
    ],
  } satisfies StatusJson,
});

describe('top: request rate and p99 per group', () => {
  it('interpolates a quantile inside its bucket like histogram_quantile', () => {
    expect(quantile([0, 0, 0], 0.99)).to.equal(null);
    // 100 requests, all in (0.005, 0.01]: p50 is halfway through that bucket.
    expect(quantile([0, 100], 0.5)).to.be.closeTo(0.0075, 1e-9);
    // 99 fast ones and 1 in (0.25, 0.5]: the 99th is the last fast one.
    expect(quantile([99, 0, 0, 0, 0, 0, 1], 0.99)).to.be.closeTo(0.005, 1e-9);
    // Beyond the last bound the histogram says no more than that bound.
    expect(quantile([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5], 0.99)).to.equal(10);
  });

  it('adds REQ/S and P99 from the counters of workers seen in both samples, only when requests are counted', () => {
    const first = sample(0, [worker(0, stats(100, [100])), worker(1, stats(50, [50]))]);
    const second = sample(2000, [
      worker(0, stats(300, [100, 200])),
      // Replaced in between (a new id): its counters restarted, so it is left out of this interval.
      { ...worker(1, stats(10, [0, 0, 0, 0, 0, 10])), id: 9 },
    ]);
    const rows = buildRows(second, first, 60_000);
    expect(rows[0]?.cells.slice(-2)).to.deep.equal(['100', '10.0 ms']);
    expect(formatRows(rows)[0]).to.match(/LOOP\s+REQ\/S\s+P99$/);

    const off = sample(0, [worker(0, null), worker(1, null)]);
    expect(formatRows(buildRows(off, off, 0))[0]).to.match(/LOOP$/);
  });
});
