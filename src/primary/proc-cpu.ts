import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc's utime and stime: 100 on every Linux that Node supports. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) a process has used, from /proc/<pid>/stat; null where /proc is missing or the
 * process is gone. Read on demand for `status`, never on a timer.
 */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return (utime + stime) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
