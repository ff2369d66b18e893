import { expect } from 'chai';
import { startHeartbeat } from '../../src/worker/heartbeat.ts';
import type { WorkerMessage } from '../../src/worker/protocol.ts';

type Beat = Extract<WorkerMessage, { orchestrator: 'heartbeat' }>;

function collect(intervalMs: number) {
  const beats: { at: number; beat: Beat }[] = [];
  const waiters: (() => void)[] = [];
  const stop = startHeartbeat({
    intervalMs,
    send: (beat) => {
      beats.push({ at: performance.now(), beat });
      for (const waiter of waiters.splice(0)) waiter();
    },
  });
  const until = async (count: number): Promise<void> => {
    while (beats.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { beats, stop, until };
}

function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a stalled event loop
  }
}

describe('startHeartbeat', () => {
  let stop = (): void => {};
  afterEach(() => stop());

  it('sends a heartbeat with the process RSS and the loop delay every interval', async () => {
    const heartbeat = collect(50);
    stop = heartbeat.stop;
    await heartbeat.until(3);

    for (const { beat } of heartbeat.beats) {
      expect(beat.orchestrator).to.equal('heartbeat');
      expect(beat.rss)
        .to.be.a('number')
        .and.greaterThan(1024 * 1024);
      expect(beat.loopDelayMs).to.be.a('number').and.at.least(0);
      expect(Number.isFinite(beat.loopDelayMs)).to.equal(true);
    }
  });

  it('falls silent while the event loop is blocked, then reports the stall', async () => {
    const heartbeat = collect(50);
    stop = heartbeat.stop;
    await heartbeat.until(1);
    const blockedAt = performance.now();
    block(300);
    await heartbeat.until(heartbeat.beats.length + 1);

    const next = heartbeat.beats.find(({ at }) => at > blockedAt);
    expect(next?.at).to.be.at.least(blockedAt + 300);
    expect(next?.beat.loopDelayMs).to.be.at.least(200);
  });

  it('keeps beating when a sample fails (out of file descriptors), with the last value, and says so once', async () => {
    const rss = process.memoryUsage.rss;
    const write = process.stderr.write;
    const said: string[] = [];
    let failing = false;
    process.memoryUsage.rss = () => {
      if (!failing) return rss();
      throw Object.assign(new Error("EMFILE: too many open files, open '/proc/self/stat'"), {
        code: 'EMFILE',
      });
    };
    process.stderr.write = ((chunk: string | Uint8Array) => {
      said.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const heartbeat = collect(20);
      stop = heartbeat.stop;
      await heartbeat.until(1);
      failing = true;
      const before = heartbeat.beats.length;
      await heartbeat.until(before + 3);
      const last = heartbeat.beats[before - 1]?.beat.rss;
      expect(heartbeat.beats.slice(before).map(({ beat }) => beat.rss)).to.deep.equal([last, last, last]);
      expect(said.filter((line) => line.includes('heartbeat'))).to.deep.equal([
        'cluster-orchestrator: heartbeat: reading the memory use failed (EMFILE); the heartbeat carries the last value read (said once)\n',
      ]);
      failing = false;
      await heartbeat.until(heartbeat.beats.length + 2);
      expect(heartbeat.beats.at(-1)?.beat.rss).to.be.greaterThan(1024 * 1024);
    } finally {
      process.memoryUsage.rss = rss;
      process.stderr.write = write;
    }
  });

  it('stops sending once stopped', async () => {
    const heartbeat = collect(20);
    await heartbeat.until(1);
    heartbeat.stop();
    const count = heartbeat.beats.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heartbeat.beats).to.have.length(count);
  });
});
