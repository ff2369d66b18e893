import type { Server } from 'node:net';
import type { LongLived } from './long-lived.ts';
import { drainLongLived, type LongLivedReport } from './long-lived-drain.ts';
import type { DrainHook, ShutdownHook } from './runtime-state.ts';
import { drainServer } from './server-drain.ts';
import { type HookOutcome, runShutdownHooks } from './shutdown-hooks.ts';
import { settleWithin } from './timeouts.ts';

export interface DrainPlan {
  /** How long an idle keep-alive socket is kept after the drain starts (see http-drain.ts). */
  readonly graceMs: number;
  /** The primary kills the worker this long after the drain starts. */
  readonly timeoutMs: number;
  /** `shutdown.longLived.spreadMs`: long-lived connections are closed one by one over this window. */
  readonly spreadMs: number;
}

export interface DrainInputs {
  /** The servers to drain, read once when the drain starts. */
  readonly servers: readonly Server[];
  readonly hooks: readonly ShutdownHook[];
  /** `onDrain` hooks: told when the drain starts, so an app can end connections the runtime cannot see. */
  readonly drainHooks?: readonly DrainHook[];
  /** The long-lived connections (WebSocket, event streams, HTTP/2 sessions) open right now. */
  readonly longLived?: () => LongLived[];
  /** Hears how many long-lived connections are still open whenever that changes. */
  readonly onLongLivedCount?: (open: number) => void;
  /** One human-readable line per problem (a hook that threw, a phase that ran out of time). */
  readonly warn: (line: string) => void;
}

export interface DrainReport {
  /** Listening servers drained. */
  readonly servers: number;
  /** True when some server still had connections when its share of the budget ran out. */
  readonly serversTimedOut: boolean;
  readonly longLived: LongLivedReport;
  readonly hooks: readonly HookOutcome[];
}

/** Servers may use this share of the budget; the rest is kept for the `onShutdown` hooks. */
const SERVERS_SHARE = 0.75;
/** Kept back at the end for telling the primary and exiting before it kills us. */
const EXIT_MARGIN_MS = 250;
/** Kept after the spread window for the last close handshakes (a client answers a close frame in one RTT). */
const HANDSHAKE_MARGIN_MS = 1000;
/** Long-lived connections still open this long before the servers' share ends are ended, so the servers close. */
const LONG_LIVED_END_MARGIN_MS = 100;

/**
 * The spread window and the deadline of the long-lived connections, inside the servers' share of the budget:
 * with `timeoutMs` 10 000 the servers have 7 500 ms, the window at most 6 500 ms, and what has not closed is
 * ended at 7 400 ms.
 */
export function longLivedPlan(plan: DrainPlan): { spreadMs: number; deadlineMs: number } {
  const serversBudget = plan.timeoutMs * SERVERS_SHARE;
  const deadlineMs = Math.max(0, serversBudget - LONG_LIVED_END_MARGIN_MS);
  return { spreadMs: Math.max(0, Math.min(plan.spreadMs, serversBudget - HANDSHAKE_MARGIN_MS)), deadlineMs };
}

/**
 * The worker's drain: servers first (in-flight requests may still need what the hooks tear down, such as a
 * database pool), then the hooks in order, all inside the primary's deadline so the worker exits on its own.
 * While the servers drain, their long-lived connections are closed one by one over the spread window (see
 * `longLivedPlan` and long-lived-drain.ts): a server closes only once they are gone.
 *
 * Worked example, `timeoutMs` 10 000, two hooks: the servers get until t=7500 (an HTTP server under load is
 * usually done just after its 1 s grace; a `net` connection that stays open is abandoned at 7500, and closed
 * by the exit). Say they are done at t=1200: the first hook may take half of what is left before the exit
 * margin ((9750 - 1200) / 2 = 4275 ms); if it returns at t=1300, the second may take the rest (8450 ms).
 */
export async function drainWorker(plan: DrainPlan, inputs: DrainInputs): Promise<DrainReport> {
  const start = performance.now();
  const deadline = start + plan.timeoutMs - EXIT_MARGIN_MS;

  const longLivedTimes = longLivedPlan(plan);
  for (const [index, hook] of (inputs.drainHooks ?? []).entries()) {
    // Not awaited: the hook starts closing its own connections, which the servers' close then waits for.
    void (async () => hook({ spreadMs: longLivedTimes.spreadMs }))().catch((error: unknown) =>
      inputs.warn(`onDrain hook #${index + 1} threw: ${describe(error)}`),
    );
  }

  const listening: Server[] = [];
  for (const server of inputs.servers) {
    if (server.listening) listening.push(server);
    // Its listen() is still in flight (in a worker the primary has not answered yet): close it the moment it
    // listens so no connection is routed here, without making the drain wait for a listen that may fail.
    else server.once('listening', () => void drainServer(server, plan.graceMs));
  }
  const serversBudget = plan.timeoutMs * SERVERS_SHARE;
  const closed = Promise.all(listening.map((server) => drainServer(server, plan.graceMs)));
  const longLived = drainLongLived(longLivedTimes, inputs.longLived ?? (() => []), (open) =>
    inputs.onLongLivedCount?.(open),
  );
  const serversTimedOut = (await settleWithin(closed, serversBudget)) === 'timed-out';
  if (serversTimedOut) {
    inputs.warn(
      `servers still had open connections after ${Math.round(serversBudget)} ms; running shutdown hooks`,
    );
  }

  const longLivedReport = await longLived;
  if (longLivedReport.endedAtDeadline > 0) {
    inputs.warn(
      `${longLivedReport.endedAtDeadline} long-lived connection(s) did not finish closing in time; ended them`,
    );
  }

  const hooks = await runShutdownHooks(inputs.hooks, {
    boundMs: (index, total) => Math.max(0, (deadline - performance.now()) / (total - index)),
    onOutcome: (outcome) => {
      if (outcome.result === 'threw')
        inputs.warn(`onShutdown hook #${outcome.index + 1} threw: ${describe(outcome.error)}`);
      if (outcome.result === 'timed-out') {
        inputs.warn(
          `onShutdown hook #${outcome.index + 1} did not settle within ${Math.round(outcome.afterMs)} ms`,
        );
      }
    },
  });
  return { servers: listening.length, serversTimedOut, longLived: longLivedReport, hooks };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
