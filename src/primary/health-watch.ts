import type { WorkerId } from '../policies/types.ts';
import type { WorkerRegistry } from './worker-registry.ts';

export interface HealthLimits {
  /** 0 = off. */
  readonly heartbeatTimeoutMs: number;
  /** 0 = off. */
  readonly maxMemoryMb: number;
}

export interface HealthWatchOptions {
  readonly now: () => number;
  readonly registry: WorkerRegistry;
  readonly limits: (group: string) => HealthLimits | undefined;
  readonly missed: (worker: WorkerId) => void;
  readonly overMemory?: (worker: WorkerId, rss: number) => void;
  /** How often silence is checked; a miss is seen at most this late. */
  readonly checkEveryMs?: number;
}

/** A check this much later than due means the primary itself stood still (a busy machine is not that late). */
const STALL_MS = 1000;

export interface HealthWatch {
  /** Starts watching a worker's silence from now, unless it is watched already. */
  arm(worker: WorkerId): void;
  beat(worker: WorkerId, rss: number): void;
  stop(): void;
}

/**
 * Turns the workers' heartbeats into the engine's health events. The runtime beats from a timer, so a
 * worker whose event loop is blocked (or which is stopped) falls silent; silence longer than the group's
 * `heartbeatTimeoutMs` is reported once. Checking starts when the worker first shows its event loop runs
 * (it listens, says it is ready, or beats): module loading before that is bounded by the ready timeout
 * instead, and a worker that blocks right after listening, before its first beat, is still caught.
 */
export function createHealthWatch(options: HealthWatchOptions): HealthWatch {
  const { now, registry, limits } = options;
  const every = options.checkEveryMs ?? 250;
  // Stalls are measured on the real clock: they are this process's, whatever clock `now` is.
  let lastCheck = performance.now();
  const check = setInterval(() => {
    const t = now();
    const real = performance.now();
    // This process was stalled itself (SIGSTOP, a blocked loop, a starved machine): the heartbeats sent
    // meanwhile are still waiting in the pipes, read only after this timer. The stall is not the workers'
    // silence: it is credited to every worker instead of killing them all.
    const stalledMs = real - lastCheck - every;
    lastCheck = real;
    if (stalledMs > STALL_MS) {
      for (const [, entry] of registry.entries())
        if (entry.lastBeatAt !== null) entry.lastBeatAt += stalledMs;
      return;
    }
    for (const [id, entry] of registry.entries()) {
      const timeout = limits(entry.group)?.heartbeatTimeoutMs ?? 0;
      if (timeout > 0 && entry.lastBeatAt !== null && !entry.beatMissed && t - entry.lastBeatAt > timeout) {
        entry.beatMissed = true;
        options.missed(id);
      }
    }
  }, every);
  check.unref();

  return {
    arm(worker) {
      const entry = registry.get(worker);
      if (entry && entry.lastBeatAt === null) entry.lastBeatAt = now();
    },
    beat(worker, rss) {
      const entry = registry.get(worker);
      if (!entry) return;
      entry.lastBeatAt = now();
      entry.rss = rss;
      const maxMb = limits(entry.group)?.maxMemoryMb ?? 0;
      if (maxMb > 0 && !entry.overMemory && rss > maxMb * 1024 * 1024) {
        entry.overMemory = true;
        options.overMemory?.(worker, rss);
      }
    },
    stop() {
      clearInterval(check);
    },
  };
}
