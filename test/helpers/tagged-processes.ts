import { readdirSync, readFileSync } from 'node:fs';

/**
 * Every process started by one test carries `ORCHESTRATOR_TEST_TAG=<tag>` in its environment (node:cluster
 * passes the primary's environment on to workers, and helper hosts inherit it too), so the test can find
 * all of them afterwards, whoever started them, and prove that none outlived it. Linux only (/proc).
 */
export const TEST_TAG_VAR = 'ORCHESTRATOR_TEST_TAG';

export function processesTagged(tag: string): number[] {
  const needle = `${TEST_TAG_VAR}=${tag}\0`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (`${readFileSync(`/proc/${name}/environ`, 'latin1')}\0`.includes(needle)) {
        if (!isZombie(Number(name))) pids.push(Number(name));
      }
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return pids;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export function killTagged(tag: string): number[] {
  const pids = processesTagged(tag);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  return pids;
}

/** Waits until no tagged process is left, up to `timeoutMs`; returns the ones still alive. */
export async function waitUntilGone(tag: string, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = processesTagged(tag);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alive = processesTagged(tag);
  }
  return alive;
}
