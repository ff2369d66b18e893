import { readFileSync } from 'node:fs';

/** The inits that exit when their one child exits, which stops the container (and a new primary in it). */
const CONTAINER_INITS = new Set(['tini', 'docker-init', 'dumb-init', 'catatonit']);

export interface ProcessContext {
  readonly pid: number;
  readonly ppid: number;
  /** The parent's command name (/proc/PPID/comm), null when unknown. */
  readonly parentName: string | null;
  readonly env: NodeJS.ProcessEnv;
}

export function currentContext(): ProcessContext {
  let parentName: string | null = null;
  try {
    parentName = readFileSync(`/proc/${process.ppid}/comm`, 'utf8').trim();
  } catch {
    // Not Linux, or the parent is already gone.
  }
  return { pid: process.pid, ppid: process.ppid, parentName, env: process.env };
}

/**
 * Why a new primary would not survive the exit of this one, or null when it would. The new primary is this
 * process's child: when this one exits it is re-parented (to init or a subreaper) and carries on, unless
 * what started this process takes everything down with it:
 * - PID 1 of a container: the container stops when PID 1 exits;
 * - the child of a container init (tini, docker --init): the init exits with its child, and so does the container;
 * - a systemd service without `Type=notify`: systemd sees its main process exit and stops the unit (the new
 *   primary with it); with `Type=notify` and `NotifyAccess=all` the new primary becomes the unit's MAINPID.
 */
export function handOverRefusal(context: ProcessContext): string | null {
  if (context.pid === 1) {
    return 'this primary is PID 1 (a container without an init): the container stops when it exits, and the new primary with it; restart the container instead (a rolling update of the Deployment)';
  }
  if (context.ppid === 1 && context.parentName !== null && CONTAINER_INITS.has(context.parentName)) {
    return `this primary is the only child of the container's init (${context.parentName}), which exits with it and stops the container; restart the container instead (a rolling update of the Deployment)`;
  }
  const { INVOCATION_ID, NOTIFY_SOCKET } = context.env;
  if (
    INVOCATION_ID !== undefined &&
    INVOCATION_ID !== '' &&
    (NOTIFY_SOCKET === undefined || NOTIFY_SOCKET === '')
  ) {
    return 'this primary runs as a systemd service without Type=notify: systemd would stop the unit, new primary included, when this process exits; use the unit from `orchestrator export systemd` (Type=notify, NotifyAccess=all)';
  }
  return null;
}
