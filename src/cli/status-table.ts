import { describeAutoSettings } from '../config/auto-settings.ts';
import type { StatusJson } from '../primary/status.ts';

/**
 * `orchestrator status` for people: one line per group, then one per worker.
 *
 *   NAME    STATE    READY  RESTARTS  PID    UPTIME  MEMORY   CPU
 *   web     running  2/2    1
 *    web.0  ready           1         4250   3m12s   45.1 MB  1.2s
 *    web.spare  standby                 4260   1m02s   44.0 MB
 */
export function formatStatusTable(status: StatusJson, now: number): string {
  const rows: string[][] = [['NAME', 'STATE', 'READY', 'RESTARTS', 'PID', 'UPTIME', 'MEMORY', 'CPU']];
  for (const group of status.groups) {
    const restarts = group.workers.reduce((sum, worker) => sum + worker.restarts, 0);
    const state = group.condition === null ? group.state : `${group.state} (${group.condition})`;
    rows.push([group.name, state, `${group.ready}/${group.desired}`, String(restarts), '', '', '', '']);
    for (const worker of group.workers) {
      rows.push([
        ` ${group.name}.${worker.index}`,
        worker.longLived ? `${worker.state} (${worker.longLived} long-lived)` : worker.state,
        '',
        String(worker.restarts),
        worker.pid === null ? '-' : String(worker.pid),
        worker.pid === null ? '-' : duration(now - Date.parse(worker.startedAt)),
        worker.rss === null ? '-' : `${(worker.rss / 1024 / 1024).toFixed(1)} MB`,
        worker.cpuSeconds === null ? '-' : `${worker.cpuSeconds.toFixed(1)}s`,
      ]);
    }
    // `spares` is absent in older clusters' status.
    for (const spare of group.spares ?? []) {
      rows.push([
        ` ${group.name}.spare`,
        spare.state,
        '',
        '',
        spare.pid === null ? '-' : String(spare.pid),
        duration(now - Date.parse(spare.startedAt)),
        spare.rss === null ? '-' : `${(spare.rss / 1024 / 1024).toFixed(1)} MB`,
        '',
      ]);
    }
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const header = `cluster pid ${status.pid}, config ${status.config.path} (config generation ${status.config.generation})`;
  const aborted = status.groups.flatMap((group) =>
    group.lastReload?.outcome === 'aborted'
      ? [
          `${group.name}: last reload aborted (${group.lastReload.reason}) at ${group.lastReload.at}; old workers serving\n`,
        ]
      : [],
  );
  // Why a group is not running, where its workers failed: the answer to "why does it say starting?".
  const exits = status.groups.flatMap((group) =>
    group.lastExit !== null && (group.condition !== null || group.state === 'failed')
      ? [`${group.name}: ${group.condition ?? group.state}; last exit: ${group.lastExit.reason}\n`]
      : [],
  );
  const scaled = status.groups.flatMap((group) =>
    group.scaled === null
      ? []
      : [
          `${group.name}: scaled to ${group.desired} by 'orchestrator scale' since ${group.scaled.since}; the next config change or reload ends it\n`,
        ],
  );
  // `auto` is older clusters' status: absent there.
  const auto = status.groups.flatMap((group) =>
    describeAutoSettings(group.auto ?? {}).map((line) => `${group.name}: ${line}\n`),
  );
  // Planned replacements, apart from RESTARTS (which counts failures only).
  const recycled = status.groups.flatMap((group) => {
    const { requests = 0, uptime = 0 } = group.recycled ?? {};
    return requests + uptime === 0
      ? []
      : [
          `${group.name}: recycled ${requests + uptime} (${requests} after requests, ${uptime} after uptime)\n`,
        ];
  });
  const error = status.config.error === null ? '' : `last config edit rejected:\n${status.config.error}\n`;
  return `${header}\n${error}${aborted.join('')}${scaled.join('')}${exits.join('')}${auto.join('')}${recycled.join('')}${lines.join('\n')}\n`;
}

/** 3m12s, 2h05m, 4d03h: the two largest units, like `ps` and `kubectl` show ages. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}
