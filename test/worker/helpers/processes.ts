import { setTimeout as sleep } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM would mean a live process we may not signal: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Waits up to `boundMs` for every pid to be gone. Kills the survivors (so a failing test leaks nothing) and
 * returns them, for the caller to assert on.
 */
export async function reapAll(pids: Iterable<number>, boundMs = 2000): Promise<number[]> {
  const pending = new Set(pids);
  const until = Date.now() + boundMs;
  while (pending.size > 0 && Date.now() < until) {
    for (const pid of pending) if (!isAlive(pid)) pending.delete(pid);
    if (pending.size > 0) await sleep(25);
  }
  const survivors = [...pending];
  for (const pid of survivors) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited in between
    }
  }
  return survivors;
}
