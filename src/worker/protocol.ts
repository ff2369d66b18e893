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
  | { readonly orchestrator: 'heartbeat'; readonly rss: number; readonly loopDelayMs: number }
  /** The drain finished (servers closed, `onShutdown` hooks ran); the worker exits right after. */
  | { readonly orchestrator: 'drained' };

/** Primary -> worker. */
export type PrimaryMessage =
  /**
   * Stop accepting, finish in-flight requests, close keep-alive connections, run `onShutdown` hooks, exit 0.
   * `graceMs` is how long an idle keep-alive socket is kept open after the drain starts, so a request a client
   * is already sending on it still gets an answer (with `Connection: close`).
   */
  {
    readonly orchestrator: 'drain';
    readonly graceMs: number;
    /**
     * The group's `shutdown.timeoutMs`: the primary kills the worker this long after sending `drain`. The worker
     * budgets its drain inside it (servers first, then `onShutdown` hooks) so it can exit on its own first.
     * Optional; the worker assumes the contract's default (10 s) without it.
     */
    readonly timeoutMs?: number;
  };

export const HEARTBEAT_INTERVAL_MS = 1000;

/** Environment variables the primary sets on every worker (see the contract). */
export const ENV_GROUP = 'ORCHESTRATOR_GROUP';
export const ENV_WORKER_INDEX = 'ORCHESTRATOR_WORKER_INDEX';
export const ENV_WORKER_ID = 'ORCHESTRATOR_WORKER_ID';

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const tag = (value as { orchestrator?: unknown }).orchestrator;
  return tag === 'ready' || tag === 'heartbeat' || tag === 'drained';
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { orchestrator?: unknown }).orchestrator === 'drain' &&
    typeof (value as { graceMs?: unknown }).graceMs === 'number' &&
    ['number', 'undefined'].includes(typeof (value as { timeoutMs?: unknown }).timeoutMs)
  );
}
