import { expect } from 'chai';
import { duration, formatStatusTable } from '../../src/cli/status-table.ts';
import type { StatusJson } from '../../src/primary/status.ts';

describe('the status table', () => {
  it('shows ages in their two largest units', () => {
    expect(duration(42_000)).to.equal('42s');
    expect(duration(192_000)).to.equal('3m12s');
    expect(duration(2 * 3600_000 + 5 * 60_000)).to.equal('2h05m');
    expect(duration(4 * 86_400_000 + 3 * 3600_000)).to.equal('4d03h');
    expect(duration(-5)).to.equal('0s');
  });

  it('lists groups, then their workers, and says when a reload was rolled back', () => {
    const now = Date.parse('2026-11-28T10:03:12.000Z');
    const status: StatusJson = {
      pid: 42,
      socket: '/run/user/1000/cluster-orchestrator/abc.sock',
      config: { path: '/app/cluster.config.ts', generation: 3, error: null },
      groups: [
        {
          name: 'web',
          state: 'running',
          scheduling: 'round-robin',
          desired: 2,
          ready: 1,
          lastReload: { outcome: 'aborted', reason: 'crashed', at: '2026-11-28T10:02:00.000Z' },
          scaled: null,
          condition: null,
          lastExit: null,
          workers: [
            {
              id: 7,
              pid: 4250,
              index: 0,
              state: 'ready',
              restarts: 1,
              startedAt: '2026-11-28T10:00:00.000Z',
              rollout: 1,
              rss: 45.1 * 1024 * 1024,
              cpuSeconds: 1.2,
              loopDelayMs: 0.4,
              longLived: null,
            },
            {
              id: 8,
              pid: null,
              index: 1,
              state: 'backoff',
              restarts: 2,
              startedAt: '2026-11-28T10:03:00.000Z',
              rollout: 1,
              rss: null,
              cpuSeconds: null,
              loopDelayMs: null,
              longLived: null,
            },
          ],
        },
      ],
    };
    const lines = formatStatusTable(status, now).split('\n');
    expect(lines[0]).to.equal('cluster pid 42, config /app/cluster.config.ts (config generation 3)');
    expect(lines[1]).to.equal(
      'web: last reload aborted (crashed) at 2026-11-28T10:02:00.000Z; old workers serving',
    );
    expect(lines[2]?.split(/\s+/)).to.deep.equal([
      'NAME',
      'STATE',
      'READY',
      'RESTARTS',
      'PID',
      'UPTIME',
      'MEMORY',
      'CPU',
    ]);
    expect(lines[3]?.split(/\s+/)).to.deep.equal(['web', 'running', '1/2', '3']);
    expect(lines[4]?.trim().split(/\s+/)).to.deep.equal([
      'web.0',
      'ready',
      '1',
      '4250',
      '3m12s',
      '45.1',
      'MB',
      '1.2s',
    ]);
    expect(lines[5]?.trim().split(/\s+/)).to.deep.equal(['web.1', 'backoff', '2', '-', '-', '-', '-']);
  });

  it('says that a group crash-loops, and why its last worker died, and that it runs a scale override', () => {
    const reason = 'exit code 1: Error: listen EADDRINUSE: address already in use 0.0.0.0:4150';
    const status: StatusJson = {
      pid: 42,
      socket: '/run/user/1000/cluster-orchestrator/abc.sock',
      config: { path: '/app/cluster.config.ts', generation: 1, error: null },
      groups: [
        {
          name: 'web',
          state: 'starting',
          scheduling: 'round-robin',
          desired: 1,
          ready: 0,
          lastReload: null,
          scaled: { since: '2026-11-28T10:01:00.000Z' },
          condition: 'crash-looping',
          lastExit: {
            worker: 3,
            index: 0,
            code: 1,
            signal: null,
            stoppedFor: null,
            stderr: 'Error: listen EADDRINUSE: address already in use 0.0.0.0:4150',
            at: '2026-11-28T10:03:00.000Z',
            reason,
          },
          workers: [],
        },
      ],
    };
    const lines = formatStatusTable(status, Date.parse('2026-11-28T10:03:12.000Z')).split('\n');
    expect(lines[1]).to.equal(
      "web: scaled to 1 by 'orchestrator scale' since 2026-11-28T10:01:00.000Z; the next config change or reload ends it",
    );
    expect(lines[2]).to.equal(`web: crash-looping; last exit: ${reason}`);
    expect(lines[4]?.split(/\s{2,}/)).to.deep.equal(['web', 'starting (crash-looping)', '0/1', '0']);
  });

  it('shows how many long-lived connections a draining worker still holds', () => {
    const status: StatusJson = {
      pid: 42,
      socket: '/run/user/1000/cluster-orchestrator/abc.sock',
      config: { path: '/app/cluster.config.ts', generation: 2, error: null },
      groups: [
        {
          name: 'web',
          state: 'reloading',
          scheduling: 'round-robin',
          desired: 1,
          ready: 1,
          lastReload: null,
          scaled: null,
          condition: null,
          lastExit: null,
          workers: [
            {
              id: 3,
              pid: 4251,
              index: 0,
              state: 'draining',
              restarts: 0,
              startedAt: '2026-11-28T10:00:00.000Z',
              rollout: 1,
              rss: null,
              cpuSeconds: null,
              loopDelayMs: null,
              longLived: 7,
            },
          ],
        },
      ],
    };
    const lines = formatStatusTable(status, Date.parse('2026-11-28T10:00:05.000Z')).split('\n');
    expect(lines[3]?.trim().split(/\s+/).slice(0, 4)).to.deep.equal([
      'web.0',
      'draining',
      '(7',
      'long-lived)',
    ]);
  });
});
