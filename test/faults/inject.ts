// Preloaded into every process of a fault-matrix run (NODE_OPTIONS=--import): the `up` primary, the helper
// primary of an `os` group and every worker. The test picks the moment and the process; it writes the fault's
// name to FAULT_DIR/<pid> and sends SIGURG, and this handler commits that fault in that process. SIGKILL and
// SIGSTOP need no help: the test sends them itself. Not SIGUSR2: that is the primary's upgrade signal, and with
// every scheduling upgradable it would start a real upgrade. SIGURG is ignored by default and nothing here
// raises it (no socket has an owner set with F_SETOWN).
import { closeSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.FAULT_DIR;

/** Throws at import time if the test left `throw-<role>` for the next process of this role (once). */
function throwIfAsked(role: string): void {
  if (dir === undefined) return;
  try {
    // Renaming claims it: only one of several processes starting at once throws.
    renameSync(join(dir, `throw-${role}`), join(dir, `thrown-${role}-${process.pid}`));
  } catch {
    return;
  }
  throw new Error(`fault matrix: ${role} ${process.pid} throws at import time`);
}

function commit(kind: string): void {
  const [name, arg] = kind.trim().split(':');
  switch (name) {
    case 'exit0':
      process.exit(0);
      break;
    case 'exit1':
      process.exit(1);
      break;
    case 'disconnect':
      process.disconnect?.();
      break;
    case 'close-stdio':
      // As a daemonizing library does: the pipes to the parent are closed (it sees EOF), and /dev/null takes
      // fds 1 and 2 so later writes and newly opened files do not land on them.
      closeSync(1);
      closeSync(2);
      openSync('/dev/null', 'w');
      openSync('/dev/null', 'w');
      break;
    case 'block': {
      // Forever, or for `block:MS` (a primary that comes back must not mistake the pause for dead workers).
      const until = arg === undefined ? Number.POSITIVE_INFINITY : Date.now() + Number(arg);
      while (Date.now() < until) {}
      break;
    }
    default:
      process.stderr.write(`fault matrix: unknown fault ${kind}\n`);
  }
}

if (dir !== undefined && isMainThread) {
  const role = process.env.ORCHESTRATOR_WORKER_ID
    ? 'worker'
    : process.argv[1]?.includes('host-process')
      ? 'helper'
      : 'primary';
  throwIfAsked(role);
  process.on('SIGURG', () => {
    let kind: string;
    try {
      kind = readFileSync(join(dir, String(process.pid)), 'utf8');
    } catch {
      return;
    }
    commit(kind);
  });
  // Until this file exists SIGURG would be ignored and the fault never committed: the test waits for it.
  writeFileSync(join(dir, `armed-${process.pid}`), '');
}
