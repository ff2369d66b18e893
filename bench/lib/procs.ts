/**
 * Process bookkeeping for the benchmarks: what the contenders started is found through /proc (Linux), and
 * every start registers its own clean-up, which runs on success, on error and on Ctrl-C alike.
 */
import { readdirSync, readFileSync } from 'node:fs';

type Cleanup = () => Promise<void> | void;
const cleanups = new Set<Cleanup>();

/** Registers a clean-up; returns a function that runs it once (and unregisters it). */
export function onCleanup(cleanup: Cleanup): () => Promise<void> {
  cleanups.add(cleanup);
  return async () => {
    if (!cleanups.delete(cleanup)) return;
    await cleanup();
  };
}

async function cleanupAll(): Promise<void> {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of pending) {
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`clean-up failed: ${(error as Error).message}\n`);
    }
  }
}

/**
 * Runs a benchmark's main function so that whatever it started is stopped afterwards, also when it throws or
 * the user presses Ctrl-C (a second Ctrl-C leaves at once).
 */
export async function runMain(main: () => Promise<void>): Promise<void> {
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping every process the benchmark started...\n`);
    void cleanupAll().then(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    await main();
  } catch (error) {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  } finally {
    await cleanupAll();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** The live (non-zombie) children of `pid`. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.ppid === pid && stat.state !== 'Z') children.push(Number(name));
  }
  return children;
}

function readStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** Resident set size in MB (VmRSS), or NaN once the process is gone. */
/**
 * Private memory (USS: Private_Clean + Private_Dirty of /proc/PID/smaps_rollup), in MB: what this process
 * alone costs the machine. RSS also counts the pages of the `node` binary and shared libraries it touched,
 * which every Node process on the machine shares: a worker that runs more of Node's code touches more of
 * them without costing a byte more per extra worker.
 */
export function privateMb(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
    return (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
  } catch {
    return Number.NaN;
  }
}

export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined; rejects after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
