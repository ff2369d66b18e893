import { expect } from 'chai';
import type { GroupView, GroupViewState, WorkerViewState } from '../../../src/policies/view.ts';
import { readiness } from '../../../src/primary/metrics/readiness.ts';
import { describe as describeReadiness } from '../../../src/primary/systemd/notify-readiness.ts';

function group(name: string, state: GroupViewState, desired: number, workers: WorkerViewState[]): GroupView {
  return {
    name,
    state,
    desired,
    scaled: null,
    condition: null,
    lastExit: null,
    recycled: { requests: 0, uptime: 0 },
    spares: [],
    workers: workers.map((s, i) => ({
      id: i + 1,
      pid: s === 'backoff' ? null : 100 + i,
      index: i,
      generation: 1,
      state: s,
      restarts: 0,
      startedAt: 0,
    })),
  };
}

/** A group whose one worker keeps dying with `stderr` as its last words. */
function crashLooping(stderr: string): GroupView {
  return {
    ...group('web', 'starting', 1, ['backoff']),
    condition: 'crash-looping',
    lastExit: { worker: 1, index: 0, code: 1, signal: null, stoppedFor: null, stderr, at: 0 },
  };
}

describe('readiness (/readyz, READY=1)', () => {
  it('is ready when every group has its desired number of ready workers', () => {
    const result = readiness([
      group('web', 'running', 2, ['ready', 'ready']),
      group('jobs', 'running', 1, ['ready']),
    ]);
    expect(result.ready).to.equal(true);
  });

  it('names each group that is short, with its ready and desired counts', () => {
    const result = readiness([
      group('web', 'degraded', 2, ['ready', 'backoff']),
      group('jobs', 'running', 1, ['ready']),
    ]);
    expect(result.ready).to.equal(false);
    if (result.ready) return;
    expect(result.short).to.deep.equal([{ group: 'web', state: 'degraded', desired: 2, ready: 1 }]);
  });

  it('stays ready during a surge reload, when old and new workers are ready side by side', () => {
    const result = readiness([group('web', 'reloading', 2, ['ready', 'ready', 'starting', 'ready'])]);
    expect(result.ready).to.equal(true);
  });

  it('is not ready while a group is starting, failed or stopping, whatever its workers say', () => {
    expect(readiness([group('web', 'starting', 1, ['starting'])]).ready).to.equal(false);
    expect(readiness([group('web', 'failed', 0, [])]).ready).to.equal(false);
    expect(readiness([group('web', 'stopping', 1, ['ready'])]).ready).to.equal(false);
  });

  it('is not ready before the first config is applied (no groups yet)', () => {
    expect(readiness([]).ready).to.equal(false);
  });

  it('counts a group scaled to 0 as ready', () => {
    expect(readiness([group('idle', 'running', 0, [])]).ready).to.equal(true);
  });

  it('says why a crash-looping group is not ready: its last exit and the line its worker wrote', () => {
    const result = readiness([crashLooping('Error: listen EADDRINUSE: address already in use 0.0.0.0:4150')]);
    expect(result.ready).to.equal(false);
    if (result.ready) return;
    expect(result.short).to.deep.equal([
      {
        group: 'web',
        state: 'starting',
        desired: 1,
        ready: 0,
        condition: 'crash-looping',
        reason: 'crash-looping: exit code 1: Error: listen EADDRINUSE: address already in use 0.0.0.0:4150',
      },
    ]);
  });

  it('gives systemctl status the same reason in its one line', () => {
    const looping = crashLooping('Error: boom');
    expect(describeReadiness(readiness([looping, group('jobs', 'running', 1, ['ready'])]))).to.equal(
      'not ready: web 0/1 (crash-looping: exit code 1: Error: boom), jobs 1/1 (running)',
    );
  });
});
