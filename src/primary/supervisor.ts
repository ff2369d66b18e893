import type { Readable } from 'node:stream';
import { assertNever } from '../assert-never.ts';
import type { ClusterConfig } from '../config/schema.ts';
import { createEngine, step } from '../policies/engine.ts';
import type { EngineAction, EngineEvent, Outcome, WorkerId } from '../policies/types.ts';
import { describe, type GroupView, revisionsInUse } from '../policies/view.ts';
import {
  ENV_GROUP,
  ENV_SPARE,
  ENV_WORKER_ID,
  ENV_WORKER_INDEX,
  type PrimaryMessage,
  type WorkerMessage,
} from '../worker/protocol.ts';
import { monotonicNow } from './clock.ts';
import { createHostPool, type HostPool } from './host-pool.ts';
import type { HostEvent, HostListener, Scheduling } from './hosts/types.ts';
import { LaunchTable } from './launch-table.ts';
import { ListenFailures } from './listen-failures.ts';
import type { PrimaryLogger } from './logging/logger.ts';
import { pipeWorkerOutput } from './logging/worker-output.ts';
import { createTimers, type Timers } from './timers.ts';
import type { HandedSocket } from './upgrade/shared-handle-tap.ts';
import { type WorkerEntry, WorkerRegistry } from './worker-registry.ts';

export interface SupervisorOptions {
  readonly logger: PrimaryLogger;
  /** The worker runtime module loaded into every worker with `--import`. */
  readonly preload: string;
  readonly seed?: number;
  /** How long a draining worker keeps idle keep-alive sockets open (see the worker runtime). */
  readonly keepAliveGraceMs?: number;
  /** How long `close()` waits for the last output lines of workers that have exited. */
  readonly outputFlushMs?: number;
  /** The engine's clock (ms). With `createTimers`, a test runs the real supervisor on a virtual clock. */
  readonly now?: () => number;
  /** Counts the engine's timers down; default: setTimeout on `now`. */
  readonly createTimers?: (now: () => number, fired: (key: string) => void) => Timers;
  /** Where workers run; default: node:cluster in this process, and a helper primary for `scheduling: 'os'`. */
  readonly createHosts?: (listener: HostListener) => HostPool;
  /** A new primary's sockets from its predecessor not used yet, for the helper hosts (see createRemoteHost). */
  readonly inherited?: () => readonly HandedSocket[];
}

export interface Supervisor {
  /**
   * Applies a validated config: the engine adds, removes, scales or rolls groups as the diff says; `roll`
   * names groups to roll even if unchanged (a reload). Returns the request number echoed in the outcomes.
   */
  apply(config: ClusterConfig, options?: { readonly roll?: readonly string[] }): number;
  scale(counts: Readonly<Record<string, number>>): void;
  /** First call drains everything; a second one kills every worker at once. */
  shutdown(): void;
  onOutcome(listener: (outcome: Outcome) => void): () => void;
  groups(): GroupView[];
  /** Every tagged message a worker sends (heartbeats, metrics replies), after the supervisor has seen it. */
  onWorkerMessage(listener: (worker: WorkerId, message: WorkerMessage) => void): () => void;
  /** Sends a message to a live worker; one that is gone (or going) drops it. */
  sendToWorker(worker: WorkerId, message: PrimaryMessage): void;
  /** The scheduling policy a group's workers run with (its latest config), or undefined for an unknown group. */
  scheduling(group: string): Scheduling | undefined;
  /** The last heartbeat's resident memory of a live worker, in bytes. */
  rss(worker: WorkerId): number | null;
  /** How many long-lived connections a draining worker still holds; null when it has not said (yet). */
  longLived(worker: WorkerId): number | null;
  /** The listening sockets the helper hosts hold for their workers, for an upgrade to hand over. */
  listeningSockets(): Promise<HandedSocket[]>;
  /** Whether every helper host process answers now (see ClusterHost.sync). */
  syncHosts(): Promise<boolean>;
  /** The new primary is ready: the helper hosts close the inherited sockets their workers did not use. */
  releaseInherited(): void;
  /** Stops the helper hosts and timers, then waits (bounded) for the last output of exited workers; call after `shutdown-complete`. */
  close(): Promise<void>;
}

/**
 * The imperative shell around the pure engine: it feeds the engine events (from node:cluster, timers and
 * the operator) one at a time, and carries out the actions the engine returns. All policy lives in the
 * engine; this file only translates.
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { logger, preload } = options;
  const log = logger.log;
  const now = options.now ?? monotonicNow;
  const keepAliveGraceMs = options.keepAliveGraceMs ?? 1000;
  const outputFlushMs = options.outputFlushMs ?? 1000;

  let state = createEngine(options.seed ?? Date.now() >>> 0);
  const queue: EngineEvent[] = [];
  let stepping = false;
  const listeners = new Set<(outcome: Outcome) => void>();
  const messageListeners = new Set<(worker: WorkerId, message: WorkerMessage) => void>();
  const launches = new LaunchTable();
  const listenFailures = new ListenFailures(log, now);
  const registry = new WorkerRegistry();
  let nextRequest = 1;

  // Events raised while actions run (a fork reports `forked` synchronously) wait their turn, so the
  // engine always sees one event at a time, in order.
  const dispatch = (event: EngineEvent): void => {
    queue.push(event);
    if (stepping) return;
    stepping = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const result = step(state, next, now());
        state = result.state;
        for (const action of result.actions) execute(action);
      }
    } finally {
      stepping = false;
    }
  };

  const timers = (options.createTimers ?? createTimers)(now, (key) => dispatch({ type: 'timer-fired', key }));
  const listener: HostListener = (event) => onHostEvent(event);
  const hosts = options.createHosts?.(listener) ?? createHostPool(preload, listener, log, options.inherited);

  const execute = (action: EngineAction): void => {
    switch (action.type) {
      case 'fork': {
        const launch = launches.get(action.group, action.revision);
        if (!launch) {
          // Cannot happen while the table keeps every revision a live worker or rollback can need.
          log.error({ group: action.group, revision: action.revision }, 'no launch settings for revision');
          queueMicrotask(() =>
            dispatch({ type: 'worker-exited', worker: action.worker, code: null, signal: null }),
          );
          return;
        }
        const host = hosts.for(launch.scheduling);
        registry.add(action.worker, { host, group: action.group, index: action.index });
        host.fork({
          worker: action.worker,
          entry: launch.entry,
          args: launch.args,
          execArgv: launch.execArgv,
          env: {
            ...launch.env,
            [ENV_GROUP]: action.group,
            // A spare learns its index when it is activated.
            [ENV_WORKER_INDEX]: action.spare === undefined ? String(action.index) : '',
            [ENV_WORKER_ID]: String(action.worker),
            ...(action.spare === undefined ? {} : { [ENV_SPARE]: action.spare.preload ? 'preload' : 'boot' }),
          },
        });
        return;
      }
      case 'activate': {
        const entry = registry.get(action.worker);
        if (!entry) return;
        entry.index = action.index;
        // Before the runtime listens for messages the activation could be lost: it goes with the first one heard.
        if (entry.heard) entry.host.send(action.worker, { orchestrator: 'activate', index: action.index });
        else entry.pendingActivate = action.index;
        return;
      }
      case 'drain': {
        const entry = registry.get(action.worker);
        if (!entry) return;
        if (!entry.heard) {
          // A drain message could arrive before the runtime listens, be dropped, and leave the worker
          // running until its kill deadline. SIGTERM cannot be lost: before the runtime is loaded it ends
          // the process (nothing is served yet), after that the runtime drains on it.
          entry.host.kill(action.worker, 'SIGTERM');
          return;
        }
        // The worker budgets its drain inside the deadline after which the engine kills it.
        entry.host.send(action.worker, {
          orchestrator: 'drain',
          graceMs: keepAliveGraceMs,
          ...launches.drain(entry.group),
        });
        return;
      }
      case 'kill':
        registry.get(action.worker)?.host.kill(action.worker, action.signal);
        return;
      case 'set-timer':
        timers.set(action.key, action.at);
        return;
      case 'cancel-timer':
        timers.cancel(action.key);
        return;
      case 'report':
        for (const listener of listeners) listener(action.outcome);
        return;
      case 'log':
        log[action.level](action.fields ?? {}, action.msg);
        return;
      default:
        assertNever(action, 'engine action');
    }
  };

  /** The worker's runtime listens for messages from now on: a pending activation can go. */
  const heard = (worker: WorkerId, entry: WorkerEntry): void => {
    entry.heard = true;
    if (entry.pendingActivate === null) return;
    entry.host.send(worker, { orchestrator: 'activate', index: entry.pendingActivate });
    entry.pendingActivate = null;
  };

  const onHostEvent = (event: HostEvent): void => {
    const entry = registry.get(event.worker);
    if (!entry) return;
    switch (event.type) {
      case 'forked':
        entry.pid = event.pid;
        dispatch({ type: 'worker-forked', worker: event.worker, pid: event.pid });
        return;
      case 'online':
        dispatch({ type: 'worker-online', worker: event.worker });
        return;
      case 'listening':
        heard(event.worker, entry);
        dispatch({ type: 'worker-listening', worker: event.worker });
        return;
      case 'message':
        heard(event.worker, entry);
        if (event.message.orchestrator === 'ready') dispatch({ type: 'worker-ready', worker: event.worker });
        if (event.message.orchestrator === 'standby')
          dispatch({ type: 'worker-standby', worker: event.worker });
        if (event.message.orchestrator === 'heartbeat') {
          entry.rss = event.message.rss;
          dispatch({ type: 'worker-heartbeat', worker: event.worker, rssBytes: event.message.rss });
          const http = event.message.http;
          if (http !== undefined && launches.recyclesOnRequests(entry.group))
            dispatch({ type: 'requests-served', worker: event.worker, total: http.started });
        }
        if (event.message.orchestrator === 'drain-progress')
          drainProgress(event.worker, entry, event.message.longLived);
        // Sent after node:cluster has processed the worker's server close (same channel, in order): see
        // `drained-ack` in the worker protocol.
        if (event.message.orchestrator === 'drained')
          entry.host.send(event.worker, { orchestrator: 'drained-ack' });
        for (const listener of messageListeners) listener(event.worker, event.message);
        return;
      case 'output':
        outputs.add(event.stream);
        event.stream.once('close', () => outputs.delete(event.stream));
        entry.output.push(
          pipeWorkerOutput(
            logger,
            { stream: event.stream, fd: event.fd },
            {
              group: entry.group,
              index: entry.index,
              pid: entry.pid ?? 0,
              worker: event.worker,
            },
            event.fd === 'stderr' ? { onLines: (lines) => entry.exitLine.push(lines) } : {},
          ),
        );
        return;
      case 'exit':
        if (event.error !== undefined) {
          log.error(
            { group: entry.group, index: entry.index, worker: event.worker, error: event.error },
            'worker could not be started',
          );
        }
        exited(event.worker, event.code, event.signal, event.cause);
        return;
    }
  };

  // Logged when a draining worker first reports long-lived connections and when the last has closed; the
  // count in between is in `status`.
  const drainProgress = (worker: WorkerId, entry: WorkerEntry, open: number): void => {
    const previous = entry.longLived;
    entry.longLived = open;
    const fields = { group: entry.group, index: entry.index, worker, longLived: open };
    if (previous === null && open > 0) log.info(fields, 'draining: closing long-lived connections');
    else if (previous !== null && previous > 0 && open === 0)
      log.info(fields, 'draining: long-lived connections closed');
  };

  // Output still in the pipes of workers that have exited: it is logged as it comes, with the worker's tags.
  const flushing = new Set<Promise<unknown>>();
  // Every worker pipe not yet closed: one that a worker's child still holds open would keep the primary alive.
  const outputs = new Set<Readable>();

  // The engine hears of an exit after one turn of the event loop, whatever the worker's pipes do. What the
  // worker wrote before it died is already in its pipes and is read in that turn, so its stack trace is
  // logged before its exit and its error line goes with the exit. Waiting for the pipes to close instead
  // would wait on any child of the worker that inherited them, delaying every respawn and shifting the
  // crash-loop clock; lines read later are still logged, tagged with the worker, after its exit.
  const exited = (
    worker: WorkerId,
    code: number | null,
    signal: string | null,
    cause?: 'host-lost',
  ): void => {
    const lost = cause === undefined ? {} : { cause };
    const entry = registry.get(worker);
    if (!entry) {
      dispatch({ type: 'worker-exited', worker, code, signal, stderr: null, ...lost });
      return;
    }
    registry.delete(worker);
    const flushed = Promise.allSettled(entry.output);
    flushing.add(flushed);
    void flushed.then(() => flushing.delete(flushed));
    setImmediate(() => {
      const stderr = entry.exitLine.line;
      void listenFailures.exited(entry.group, stderr);
      dispatch({ type: 'worker-exited', worker, code, signal, stderr, ...lost });
    });
  };

  return {
    apply(config, options = {}) {
      const specs = launches.apply(config);
      const request = nextRequest++;
      dispatch({ type: 'config-applied', groups: specs, request, roll: options.roll ?? [] });
      // Only now does the engine know which revisions a rollback of this apply would go back to.
      launches.retain(revisionsInUse(state));
      return request;
    },
    scale(counts) {
      dispatch({ type: 'scale-requested', counts });
    },
    shutdown() {
      dispatch({ type: 'shutdown-requested' });
    },
    onOutcome(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    groups: () => describe(state),
    onWorkerMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    scheduling: (group) => launches.scheduling(group),
    sendToWorker(worker, message) {
      registry.get(worker)?.host.send(worker, message);
    },
    rss: (worker) => {
      const entry = registry.get(worker);
      return entry && entry.rss > 0 ? entry.rss : null;
    },
    longLived: (worker) => registry.get(worker)?.longLived ?? null,
    listeningSockets: () => hosts.listeningSockets(),
    releaseInherited: () => hosts.releaseInherited(),
    syncHosts: () => hosts.sync(),
    async close() {
      timers.cancelAll();
      await hosts.close();
      // The last lines of the last workers (bounded: a grandchild may hold a pipe open for good).
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(flushing),
        new Promise((resolve) => {
          timeout = setTimeout(resolve, outputFlushMs);
        }),
      ]);
      clearTimeout(timeout);
      // What a worker's orphaned child still writes is not ours to wait for: the primary exits.
      for (const stream of outputs) stream.destroy();
    },
  };
}
