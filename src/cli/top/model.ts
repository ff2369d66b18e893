import type { GroupStatus, StatusJson, WorkerStatus } from '../../primary/status.ts';
import type { HttpStats } from '../../worker/http-stats.ts';
import { duration } from '../status-table.ts';
import { type GroupHttp, groupHttp } from './http-rates.ts';

/** One answer of `/status` and when it arrived (ms, any monotonic-enough clock). */
export interface Sample {
  readonly at: number;
  readonly status: StatusJson;
}

export type Row =
  | {
      readonly kind: 'group';
      readonly group: string;
      readonly cells: readonly string[];
      readonly alert: boolean;
    }
  | {
      readonly kind: 'worker';
      readonly group: string;
      readonly index: number;
      readonly pid: number | null;
      readonly cells: readonly string[];
      readonly alert: boolean;
    };

export const COLUMNS = [
  'NAME',
  'STATE',
  'READY',
  'RESTARTS',
  'PID',
  'UPTIME',
  'CPU%',
  'MEMORY',
  'LOOP',
] as const;

/**
 * The rows `top` shows for a sample: each group (state, with a reload's progress; ready/desired; restarts),
 * then its workers (pid, state, uptime, CPU % since the previous sample, memory, event-loop delay).
 */
export function buildRows(current: Sample, previous: Sample | null, now: number): Row[] {
  const before = new Map<number, number>();
  const httpBefore = new Map<number, HttpStats>();
  for (const group of previous?.status.groups ?? []) {
    for (const worker of group.workers) {
      if (worker.cpuSeconds !== null) before.set(worker.id, worker.cpuSeconds);
      if (worker.http != null) httpBefore.set(worker.id, worker.http);
    }
  }
  // REQ/S and P99 only when the cluster counts requests (`metrics.http`): otherwise the table stays as it was.
  const counted = current.status.groups.some((group) => group.workers.some((worker) => worker.http != null));
  const elapsed = previous === null ? 0 : (current.at - previous.at) / 1000;
  const rows: Row[] = [];
  for (const group of current.status.groups) {
    const restarts = group.workers.reduce((sum, worker) => sum + worker.restarts, 0);
    rows.push({
      kind: 'group',
      group: group.name,
      cells: [
        group.name,
        groupState(group),
        `${group.ready}/${group.desired}`,
        String(restarts),
        '',
        '',
        '',
        '',
        '',
        ...(counted ? httpCells(groupHttp(group, httpBefore, elapsed)) : []),
      ],
      alert: group.state === 'failed' || group.state === 'degraded',
    });
    for (const worker of group.workers) {
      const cpu = cpuPercent(worker, before.get(worker.id), elapsed);
      rows.push({
        kind: 'worker',
        group: group.name,
        index: worker.index,
        pid: worker.pid,
        cells: [
          ` ${group.name}.${worker.index}`,
          worker.state,
          '',
          String(worker.restarts),
          worker.pid === null ? '-' : String(worker.pid),
          worker.pid === null ? '-' : duration(now - Date.parse(worker.startedAt)),
          cpu === null ? '-' : cpu.toFixed(1),
          worker.rss === null ? '-' : `${(worker.rss / 1024 / 1024).toFixed(1)} MB`,
          worker.loopDelayMs === null || worker.loopDelayMs === undefined
            ? '-'
            : `${worker.loopDelayMs.toFixed(1)} ms`,
          ...(counted ? ['', ''] : []),
        ],
        alert: worker.state === 'backoff',
      });
    }
  }
  return rows;
}

/**
 * A group's state; while it reloads, with its progress: how many ready workers already run the newest
 * rollout, of how many it wants.
 */
export function groupState(group: GroupStatus): string {
  if (group.state !== 'reloading') return group.state;
  const newest = Math.max(...group.workers.map((worker) => worker.rollout));
  const updated = group.workers.filter(
    (worker) => worker.rollout === newest && worker.state === 'ready',
  ).length;
  return `reloading ${updated}/${group.desired}`;
}

function cpuPercent(worker: WorkerStatus, before: number | undefined, elapsedSeconds: number): number | null {
  if (worker.cpuSeconds === null || before === undefined || elapsedSeconds <= 0) return null;
  return Math.max(0, ((worker.cpuSeconds - before) / elapsedSeconds) * 100);
}

/** Shown after COLUMNS when the cluster counts requests: each group's request rate and p99 latency. */
export const HTTP_COLUMNS = ['REQ/S', 'P99'] as const;

function httpCells(http: GroupHttp | null): string[] {
  if (http === null) return ['-', '-'];
  const p99 = http.p99Seconds === null ? '-' : `${(http.p99Seconds * 1000).toFixed(1)} ms`;
  return [http.perSecond.toFixed(http.perSecond < 10 ? 1 : 0), p99];
}

/** The rows as an aligned plain-text table (what `top` prints when stdout is not a terminal). */
export function formatRows(rows: readonly Row[]): string[] {
  const header = rows.some((row) => row.cells.length > COLUMNS.length)
    ? [...COLUMNS, ...HTTP_COLUMNS]
    : [...COLUMNS];
  const table = [header, ...rows.map((row) => [...row.cells])];
  const widths = header.map((_, column) => Math.max(...table.map((cells) => cells[column]?.length ?? 0)));
  return table.map((cells) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
