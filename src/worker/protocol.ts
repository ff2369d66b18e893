import type { HttpStats } from './http-stats.ts';

/**
 * The IPC messages between the primary and the worker runtime.
 *
 * Every message carries the `orchestrator` tag so it never collides with an app's own
 * `process.send()` traffic, which the primary ignores.
 */

/** Worker -> primary. */
export type WorkerMessage =
  /** The app called `ready()` (used when the group's `ready.on` is `'message'`). */
  | { readonly orchestrator: 'ready' }
  /**
   * Sent every `HEARTBEAT_INTERVAL_MS` from a timer: when the event loop is blocked it stops, which is the
   * point. `rss` in bytes; `loopDelayMs` is the mean event-loop delay since the previous beat.
   */
  | {
      readonly orchestrator: 'heartbeat';
      readonly rss: number;
      readonly loopDelayMs: number;
      /** `process.cpuUsage()` since the worker started, in microseconds (optional: older runtimes omit it). */
      readonly cpuUserUs?: number;
      readonly cpuSystemUs?: number;
      /** The worker's HTTP request counters since it started, when the primary asked for them (ENV_HTTP_STATS). */
      readonly http?: HttpStats;
    }
  /**
   * The answer to `metrics-request`: the app's prom-client registries as `getMetricsAsJSON()` returns them
   * (one array of metric families per registry), `[]` when the app has none. Plain data, so it crosses IPC.
   */
  | { readonly orchestrator: 'metrics'; readonly request: number; readonly registries: unknown[] }
  /**
   * While draining: how many long-lived connections (WebSocket, server-sent event streams, HTTP/2 sessions)
   * the worker still holds. Sent when the drain starts and whenever the count changes (at most every
   * `DRAIN_PROGRESS_INTERVAL_MS`), ending with 0 once they are all closed.
   */
  | { readonly orchestrator: 'drain-progress'; readonly longLived: number }
  /**
   * A server bound its own socket with SO_REUSEPORT (`scheduling: 'reusePort'`): node:cluster's 'listening'
   * never fires for such a server, so this takes its place.
   */
  | { readonly orchestrator: 'listening' }
  /** The drain finished (servers closed, `onShutdown` hooks ran); the worker exits right after. */
  | { readonly orchestrator: 'drained' }
  /**
   * A spare has booted: its runtime is loaded (`boot`), or its app called `listen()` or `ready()`, which the
   * runtime holds (`preload`). It can take a slot at once.
   */
  | { readonly orchestrator: 'standby' }
  /** The answer to `diagnose`: the file is written (its size in bytes), or why it is not. */
  | {
      readonly orchestrator: 'diagnosed';
      readonly request: number;
      readonly ok: boolean;
      readonly bytes?: number;
      readonly error?: string;
    };

/** What `orchestrator debug` can take from a live worker. */
export type DiagnosticKind = 'heap' | 'profile' | 'report';
export const DIAGNOSTIC_KINDS: readonly DiagnosticKind[] = ['heap', 'profile', 'report'];

/** Primary -> worker. */
export type PrimaryMessage =
  /**
   * Stop accepting, finish in-flight requests, close keep-alive connections, run `onShutdown` hooks, exit 0.
   * `graceMs` is how long an idle keep-alive socket is kept open after the drain starts, so a request a client
   * is already sending on it still gets an answer (with `Connection: close`).
   */
  | {
      readonly orchestrator: 'drain';
      readonly graceMs: number;
      /**
       * The group's `shutdown.timeoutMs`: the primary kills the worker this long after sending `drain`. The worker
       * budgets its drain inside it (servers first, then `onShutdown` hooks) so it can exit on its own first.
       * Optional; the worker assumes the contract's default (10 s) without it.
       */
      readonly timeoutMs?: number;
      /**
       * The group's `shutdown.longLived.spreadMs`: the window over which the worker closes its long-lived
       * connections one by one. Optional; the worker assumes the default (3 s) without it.
       */
      readonly spreadMs?: number;
    }
  /**
   * Writes a diagnostic of this worker to `file` (an absolute path, created with mode 0600): a heap snapshot,
   * a CPU profile of `seconds`, or a diagnostic report. Answered with `diagnosed`.
   */
  | {
      readonly orchestrator: 'diagnose';
      readonly request: number;
      readonly kind: DiagnosticKind;
      readonly file: string;
      readonly seconds: number;
    }
  /** A spare takes slot `index`: the runtime sets ORCHESTRATOR_WORKER_INDEX and lets the app load or listen. */
  | { readonly orchestrator: 'activate'; readonly index: number }
  /** Asks for the app's own prom-client metrics (on a scrape of the primary's `/metrics`); see `metrics`. */
  | { readonly orchestrator: 'metrics-request'; readonly request: number }
  /**
   * The answer to `drained`. By the time it arrives, every connection the primary handed this worker before
   * it saw the worker close its servers has arrived too (and been refused, so the primary gave it to another
   * worker): exiting only now means no handed-off connection is lost with the process.
   */
  | { readonly orchestrator: 'drained-ack' };

export const HEARTBEAT_INTERVAL_MS = 1000;
export const DRAIN_PROGRESS_INTERVAL_MS = 250;
/** Default `shutdown.longLived.spreadMs` (here so the worker runtime need not load the config schema). */
export const DEFAULT_SPREAD_MS = 3000;

/** Environment variables the primary sets on every worker (see the contract). */
export const ENV_GROUP = 'ORCHESTRATOR_GROUP';
export const ENV_WORKER_INDEX = 'ORCHESTRATOR_WORKER_INDEX';
export const ENV_WORKER_ID = 'ORCHESTRATOR_WORKER_ID';
/**
 * Set to `1` on a worker whose requests are counted (`metrics.http`, or `recycle.afterRequests`). Without it
 * the runtime subscribes to nothing, so the request path runs exactly as without the orchestrator.
 */
export const ENV_HTTP_STATS = 'ORCHESTRATOR_HTTP_STATS';
/** Set to '1' on the workers of a `scheduling: 'reusePort'` group. */
export const ENV_REUSE_PORT = 'ORCHESTRATOR_REUSE_PORT';
/**
 * Set on a spare: `boot` (the runtime waits for `activate` before the app's entry is loaded) or `preload` (the
 * entry is loaded, its `listen()` and `ready()` held until `activate`). Its ORCHESTRATOR_WORKER_INDEX is empty
 * until then.
 */
export const ENV_SPARE = 'ORCHESTRATOR_SPARE';
export type SpareMode = 'boot' | 'preload';

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const tag = (value as { orchestrator?: unknown }).orchestrator;
  return (
    tag === 'ready' ||
    tag === 'listening' ||
    tag === 'heartbeat' ||
    tag === 'drained' ||
    tag === 'standby' ||
    tag === 'metrics' ||
    tag === 'diagnosed' ||
    (tag === 'drain-progress' && typeof (value as { longLived?: unknown }).longLived === 'number')
  );
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as {
    orchestrator?: unknown;
    graceMs?: unknown;
    timeoutMs?: unknown;
    spreadMs?: unknown;
    request?: unknown;
  };
  if (message.orchestrator === 'metrics-request') return typeof message.request === 'number';
  if (message.orchestrator === 'diagnose') {
    const { kind, file, seconds } = value as { kind?: unknown; file?: unknown; seconds?: unknown };
    return (
      typeof message.request === 'number' &&
      DIAGNOSTIC_KINDS.includes(kind as DiagnosticKind) &&
      typeof file === 'string' &&
      typeof seconds === 'number'
    );
  }
  if (message.orchestrator === 'drained-ack') return true;
  if (message.orchestrator === 'activate') {
    const { index } = value as { index?: unknown };
    return typeof index === 'number' && Number.isSafeInteger(index) && index >= 0;
  }
  return (
    message.orchestrator === 'drain' &&
    typeof message.graceMs === 'number' &&
    ['number', 'undefined'].includes(typeof message.timeoutMs) &&
    ['number', 'undefined'].includes(typeof message.spreadMs)
  );
}
