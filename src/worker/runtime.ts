import { warn, warnOnce } from './degrade.ts';
import type { DrainPlan } from './drain.ts';
import { startHeartbeat } from './heartbeat.ts';
import { countHttpRequests } from './http-stats.ts';
import { sendToPrimary } from './ipc.ts';
import { shortenListenCrash } from './listen-crash.ts';
import {
  DEFAULT_SPREAD_MS,
  DRAIN_PROGRESS_INTERVAL_MS,
  ENV_HTTP_STATS,
  ENV_REUSE_PORT,
  ENV_SPARE,
  HEARTBEAT_INTERVAL_MS,
  isPrimaryMessage,
} from './protocol.ts';
import { bindWithReusePort } from './reuse-port.ts';
import { runtimeState } from './runtime-state.ts';
import { createServerRegistry } from './server-registry.ts';
import { holdUntilActivated } from './spare.ts';
import { settleWithin } from './timeouts.ts';

/**
 * What a SIGTERM/SIGINT sent straight to the worker drains with: the contract's default `shutdown.timeoutMs`
 * and the primary's usual grace.
 */
export const SIGNAL_DRAIN: DrainPlan = { graceMs: 1000, timeoutMs: 10_000, spreadMs: DEFAULT_SPREAD_MS };
/** Used when a `drain` message has no `timeoutMs`: the contract's default `shutdown.timeoutMs`. */
const DEFAULT_TIMEOUT_MS = 10_000;
const DRAINED_ACK_BOUND_MS = 1000;

/**
 * Wires the runtime into this worker: heartbeats, server tracking, the `drain` message and the signals.
 * Idempotent, per process (the guard lives in the shared state). What only a drain or a metrics scrape
 * needs is imported then, not here: every module loaded at start delays each worker's boot (and so each
 * respawn) by about a millisecond.
 *
 * Returns a promise only in a spare booted without its app (`boot`): its preload (spare-boot.ts) awaits it,
 * so the app's entry is loaded once the spare is activated.
 *
 * Losing the primary needs nothing here: a `node:cluster` worker already exits when its IPC channel closes
 * unexpectedly, and nothing below keeps it from doing so.
 */
export function installRuntime(): Promise<void> | undefined {
  const state = runtimeState();
  if (state.installed) return undefined;
  state.installed = true;

  keepOutputOnExit();
  shortenListenCrash();
  if (process.env[ENV_REUSE_PORT] === '1') {
    bindWithReusePort(() => void sendToPrimary({ orchestrator: 'listening' }));
  }
  const spare = process.env[ENV_SPARE];
  const activated =
    spare === 'boot' || spare === 'preload'
      ? holdUntilActivated(spare, () => void sendToPrimary({ orchestrator: 'standby' }))
      : undefined;
  const registry = createServerRegistry();
  const http = process.env[ENV_HTTP_STATS] === '1' ? countHttpRequests() : undefined;
  startHeartbeat({
    intervalMs: HEARTBEAT_INTERVAL_MS,
    send: (beat) => void sendToPrimary(beat),
    ...(http ? { http } : {}),
  });

  const drainAndExit = async (plan: DrainPlan): Promise<void> => {
    if (state.phase !== 'running') return;
    state.phase = 'draining';
    try {
      const [{ drainWorker }, { findLongLived }, { throttle }] = await Promise.all([
        import('./drain.ts'),
        import('./long-lived.ts'),
        import('./throttle.ts'),
      ]);
      const progress = throttle(DRAIN_PROGRESS_INTERVAL_MS, (longLived: number) => {
        void sendToPrimary({ orchestrator: 'drain-progress', longLived });
      });
      await drainWorker(plan, {
        servers: registry.servers(),
        hooks: state.hooks,
        drainHooks: state.drainHooks,
        longLived: () => findLongLived(registry.sockets(), registry.sessions(), registry.streams()),
        onLongLivedCount: progress.push,
        warn,
      });
      progress.flush();
    } catch (error) {
      // Loading the drain needs a file descriptor; without one the worker still stops, only less gently.
      warnOnce('drain', error, 'exiting without draining');
    }
    // Connections the primary handed over just before it saw our servers close are still on their way;
    // exiting now would lose them (node:cluster never re-routes a hand-off to a worker that died). The
    // primary's answer to `drained` comes after all of them, and each was refused, so it re-routed them.
    const acknowledged = primaryAck();
    if (await sendToPrimary({ orchestrator: 'drained' }))
      await settleWithin(acknowledged, DRAINED_ACK_BOUND_MS);
    // One more turn, so the refusals of those late hand-offs are written before the process ends.
    await new Promise((resolve) => setImmediate(resolve));
    process.exit(0);
  };

  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return;
    if (message.orchestrator === 'metrics-request') {
      // The entry script (`process.argv[1]`) is where the app resolves its own packages from.
      void import('./app-metrics.ts')
        .then(({ appMetrics }) => appMetrics(process.argv[1]))
        .catch((error: unknown) => {
          warnOnce('metrics: reading the app metrics', error, 'answering with none');
          return [];
        })
        .then((registries) =>
          sendToPrimary({ orchestrator: 'metrics', request: message.request, registries }),
        );
      return;
    }
    if (message.orchestrator === 'diagnose') {
      const { request, kind, file, seconds } = message;
      void import('./diagnostics.ts')
        .then(({ writeDiagnostic }) => writeDiagnostic(kind, file, seconds))
        .then(
          (bytes) => sendToPrimary({ orchestrator: 'diagnosed', request, ok: true, bytes }),
          (error: unknown) =>
            sendToPrimary({ orchestrator: 'diagnosed', request, ok: false, error: describe(error) }),
        );
      return;
    }
    if (message.orchestrator !== 'drain') return;
    void drainAndExit({
      graceMs: message.graceMs,
      timeoutMs: message.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      spreadMs: message.spreadMs ?? DEFAULT_SPREAD_MS,
    });
  });

  // Registered before the app runs, so ours is the first listener: any other one is the app's, and an app
  // that handles the signal itself keeps doing so (`process.once` listeners still count when ours runs).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      // Ctrl-C in a terminal reaches every process of the group at once. The primary got it too and drains
      // the groups in reverse reload order, so a worker that still hears its primary waits for its turn.
      if (signal === 'SIGINT' && process.connected) return;
      void drainAndExit(SIGNAL_DRAIN);
    });
  }
  return spare === 'boot' ? activated : undefined;
}

/** An error as one line for the operator: the errno text when there is one (ENOSPC, EACCES, ...). */
function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.message ?? String(error);
}

/** Resolves when the primary answers `drained`. */
function primaryAck(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      if (!isPrimaryMessage(message) || message.orchestrator !== 'drained-ack') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
}

/**
 * The primary reads a worker's stdout/stderr through pipes, and Node writes to pipes asynchronously: what an
 * app logs right before `process.exit()` (or a crash) would be lost. Blocking writes, as Node already uses
 * for files and terminals, make every line reach the primary; a slow reader then slows the writer instead.
 * `setBlocking` is not public API, hence the guarded lookup.
 */
function keepOutputOnExit(): void {
  for (const stream of [process.stdout, process.stderr]) {
    (stream as { _handle?: { setBlocking?: (blocking: boolean) => void } })._handle?.setBlocking?.(true);
  }
}
