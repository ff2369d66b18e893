import { readFileSync } from 'node:fs';
import os from 'node:os';

/** How much lower a booting worker runs than the primary (nice steps, 19 at most). */
export const BOOT_NICE_STEP = 10;
const CAP_SYS_NICE = 23n;

/**
 * Whether this process may give a process back a lower nice value than it has: with CAP_SYS_NICE, or an
 * RLIMIT_NICE that allows it (`Max nice priority` r lets nice go down to 20 - r). Without that, a worker
 * lowered while it boots could never be raised again, so it is not lowered at all. Docker's default
 * capabilities leave CAP_SYS_NICE out; root on a host or a systemd unit has it.
 */
export function mayRestorePriority(status: string, limits: string, nice: number): boolean {
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (capEff !== undefined && (BigInt(`0x${capEff}`) >> CAP_SYS_NICE) & 1n) return true;
  const limit = /^Max nice priority\s+(\d+)/m.exec(limits)?.[1];
  return limit !== undefined && 20 - Number(limit) <= nice;
}

export interface BootPriority {
  /**
   * A worker for `slot` (its group and index) was forked: while another worker of the same slot serves (the
   * one it replaces in a reload or a graceful health replacement), it runs at a lower priority until
   * `serving`. Otherwise (the first start, a scale-up, a respawn after a crash) it boots at full priority:
   * its slot serves nobody until it is up, and on a busy machine a niced process can be starved for seconds.
   * A spare (`slot` null) is always lowered: nobody waits for it until it is activated (`serving`).
   */
  booting(pid: number, slot: string | null): void;
  /** The worker listens (or said it is ready), or a spare is activated: back to the primary's priority. */
  serving(pid: number): void;
  /** The worker exited: nothing to restore (its pid may soon be another process's). */
  gone(pid: number): void;
}

export interface BootPriorityOptions {
  readonly enabled: boolean;
  readonly base: number;
  readonly setPriority: (pid: number, priority: number) => void;
}

/**
 * On two cores a booting worker (compiling the app, its imports, its first requests' code) takes CPU from
 * the workers serving traffic, which shows up as the p99 of a reload (docs/benchmarks.md). So a worker that
 * replaces a serving one boots at a lower priority and gets the primary's back once it serves. Each pid is restored at most once; a failure
 * (the process is gone) is ignored: its exit is reported elsewhere.
 */
export function createBootPriority(options: BootPriorityOptions): BootPriority {
  const lowered = new Set<number>();
  const slotOf = new Map<number, string>();
  const serving = new Set<number>();
  const set = (pid: number, priority: number): boolean => {
    try {
      options.setPriority(pid, priority);
      return true;
    } catch {
      return false;
    }
  };
  return {
    booting(pid, slot) {
      if (slot !== null) slotOf.set(pid, slot);
      if (!options.enabled) return;
      const replacing = slot === null || [...serving].some((other) => slotOf.get(other) === slot);
      if (replacing && set(pid, Math.min(19, options.base + BOOT_NICE_STEP))) lowered.add(pid);
    },
    serving(pid) {
      serving.add(pid);
      if (!lowered.delete(pid)) return;
      set(pid, options.base);
    },
    gone(pid) {
      lowered.delete(pid);
      serving.delete(pid);
      slotOf.delete(pid);
    },
  };
}

/**
 * This process's boot priority policy: on unless ORCHESTRATOR_BOOT_PRIORITY=off (for measuring) or the
 * priority could not be restored (see `mayRestorePriority`).
 */
export function bootPriorityOfThisProcess(): BootPriority {
  const base = os.getPriority();
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'latin1');
    } catch {
      return '';
    }
  };
  const enabled =
    process.platform === 'linux' &&
    process.env.ORCHESTRATOR_BOOT_PRIORITY !== 'off' &&
    mayRestorePriority(read('/proc/self/status'), read('/proc/self/limits'), base);
  return createBootPriority({ enabled, base, setPriority: (pid, priority) => os.setPriority(pid, priority) });
}
