import { readdirSync, readFileSync } from 'node:fs';

export interface WorkerProcess {
  readonly pid: number;
  readonly group: string;
}

/**
 * The live worker processes of a primary, with their group (from ORCHESTRATOR_GROUP in their environment),
 * read from /proc (Linux): what an operator's `ps` would see, independent of what the primary reports.
 */
export function workerProcesses(primary: number): WorkerProcess[] {
  return childProcesses(primary).flatMap(({ pid, environ }) => {
    const group = /(?:^|\0)ORCHESTRATOR_GROUP=([^\0]*)/.exec(environ);
    return group?.[1] === undefined ? [] : [{ pid, group: group[1] }];
  });
}

/** The live (not zombie) child processes of `parent`, with their environment and command line (NUL-separated). */
export function childProcesses(parent: number): { pid: number; environ: string; cmdline: string }[] {
  const children: { pid: number; environ: string; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== parent || state === 'Z') continue;
      children.push({
        pid: Number(name),
        environ: readFileSync(`/proc/${name}/environ`, 'latin1'),
        cmdline: readFileSync(`/proc/${name}/cmdline`, 'latin1'),
      });
    } catch {
      // It ended while we looked.
    }
  }
  return children;
}

/** Alive and not a zombie (a SIGSTOPped process is alive). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
