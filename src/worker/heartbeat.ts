import { monitorEventLoopDelay } from 'node:perf_hooks';
import { warnOnce } from './degrade.ts';
import type { HttpStats } from './http-stats.ts';
import type { WorkerMessage } from './protocol.ts';

type Heartbeat = Extract<WorkerMessage, { orchestrator: 'heartbeat' }>;

export interface HeartbeatOptions {
  readonly intervalMs: number;
  readonly send: (beat: Heartbeat) => void;
  /** The HTTP request counters to report with each beat, when they are kept. */
  readonly http?: () => HttpStats;
}

/** Sampling resolution of the loop-delay histogram: fine enough to see a 20 ms stall, cheap enough to run always. */
const RESOLUTION_MS = 10;

/**
 * Sends a heartbeat every `intervalMs` from an unref'd timer and returns a function that stops it.
 *
 * The beat comes from the worker's own event loop on purpose: a loop blocked by the app sends nothing, and
 * that silence is what the primary's `health.heartbeatTimeoutMs` detects.
 *
 * `loopDelayMs` is the worse of two views. The histogram's mean delay since the previous beat (its samples
 * include the resolution, so an idle loop reads ~10 ms: that is subtracted) sees every stall between beats,
 * but measured here it can miss a stall that ends just before the beat. The beat's own lateness catches
 * that one: a beat due at t=1000 that runs at t=1180 reports at least 180.
 */
export function startHeartbeat({ intervalMs, send, http }: HeartbeatOptions): () => void {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let due = performance.now() + intervalMs;
  // A sample that fails keeps its last value: the beat itself (the loop is alive) matters most.
  let rss = 0;
  let cpu = { user: 0, system: 0 };
  const timer = setInterval(() => {
    const now = performance.now();
    const lateness = Math.max(0, now - due);
    due = now + intervalMs;
    const meanExcess = histogram.count > 0 ? histogram.mean / 1e6 - RESOLUTION_MS : 0;
    histogram.reset();
    // Reading the RSS opens /proc/self/stat: it throws EMFILE when the app is out of file descriptors.
    rss = sample('heartbeat: reading the memory use', () => process.memoryUsage.rss(), rss);
    cpu = sample('heartbeat: reading the CPU time', () => process.cpuUsage(), cpu);
    try {
      send({
        orchestrator: 'heartbeat',
        rss,
        loopDelayMs: Math.max(0, meanExcess, lateness),
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        ...(http ? { http: http() } : {}),
      });
    } catch (error) {
      warnOnce('heartbeat: sending', error, 'this beat is skipped');
    }
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}

function sample<T>(what: string, read: () => T, last: T): T {
  try {
    return read();
  } catch (error) {
    warnOnce(what, error, 'the heartbeat carries the last value read');
    return last;
  }
}
