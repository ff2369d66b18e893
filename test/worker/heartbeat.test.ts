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

  it('stops sending once stopped', async () => {
    const heartbeat = collect(20);
    await heartbeat.until(1);
    heartbeat.stop();
    const count = heartbeat.beats.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heartbeat.beats).to.have.length(count);
  });
});
