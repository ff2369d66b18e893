import { expect } from 'chai';
import { buildRows, groupState } from '../../../src/cli/top/model.ts';
import { renderScreen } from '../../../src/cli/top/render.ts';
import type { StatusJson, WorkerStatus } from '../../../src/primary/status.ts';

const worker = (index: number, extra: Partial<WorkerStatus> = {}): WorkerStatus => ({
  id: index + 1,
  pid: 100 + index,
  index,
  state: 'ready',
  restarts: 0,
  startedAt: new Date(0).toISOString(),
  rollout: 1,
  rss: 50 * 1024 * 1024,
  cpuSeconds: 1,
  loopDelayMs: 0.5,
  longLived: null,
  ...extra,
});

const status = (
  workers: WorkerStatus[],
  state: StatusJson['groups'][number]['state'] = 'running',
): StatusJson => ({
  pid: 42,
  socket: '/run/c.sock',
  config: { path: '/c.json', generation: 1, error: null },
  groups: [
    {
      name: 'web',
      state,
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
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: escape codes are what is stripped
const plain = (line: string): string => line.replace(/\u001b\[[0-9;]*m/g, '');

describe('top: rows and screen', () => {
  it('computes CPU % between two samples, and shows a reload as its progress', () => {
    const first = { at: 0, status: status([worker(0), worker(1)]) };
    const second = { at: 2000, status: status([worker(0, { cpuSeconds: 1.5 }), worker(1)]) };
    const rows = buildRows(second, first, 60_000);
    expect(rows.map((row) => row.cells[6])).to.deep.equal(['', '25.0', '0.0']);
    expect(buildRows(first, null, 0)[1]?.cells[6]).to.equal('-');
    const reloading = status(
      [worker(0, { rollout: 2 }), worker(1), worker(2, { rollout: 2, state: 'starting' })],
      'reloading',
    );
    expect(groupState(reloading.groups[0] as StatusJson['groups'][number])).to.equal('reloading 1/2');
  });

  it('fills exactly the terminal, no line wider than it, keeping the selected row and the key help in view', () => {
    const workers = Array.from({ length: 30 }, (_, i) => worker(i));
    const rows = buildRows({ at: 0, status: status(workers) }, null, 0);
    for (const size of [
      { columns: 120, lines: 40 },
      { columns: 40, lines: 8 },
      { columns: 10, lines: 3 },
    ]) {
      const screen = renderScreen(
        {
          status: status(workers),
          rows,
          selected: 25,
          message: 'scaling web to 3',
          logs: null,
          clock: '10:00:00',
        },
        size,
      ).map(plain);
      expect(screen, JSON.stringify(size)).to.have.length(size.lines);
      for (const line of screen) expect([...line].length, line).to.equal(size.columns);
      expect(screen.at(-1)).to.match(/^↑\/↓ select|^.{1,10}$/);
    }
    const small = renderScreen(
      { status: status(workers), rows, selected: 25, message: '', logs: null, clock: '' },
      { columns: 80, lines: 10 },
    ).map(plain);
    expect(small.some((line) => line.startsWith(' web.24 '))).to.equal(true);
  });
});
