/**
 * State shared by every copy of the worker runtime loaded in one process.
 *
 * The primary loads the preload from its own install path while the app imports
 * `cluster-orchestrator/worker` through its own `node_modules`: those can be two module instances of the same
 * code. Module-level variables would then give the app a hooks list the drain never reads. A `Symbol.for` key on
 * `globalThis` is the one place both instances resolve to the same object.
 */

export type ShutdownHook = () => void | Promise<void>;

/** What an `onDrain` hook is told: close your long-lived connections over `spreadMs`. */
export interface DrainInfo {
  readonly spreadMs: number;
}

export type DrainHook = (info: DrainInfo) => void | Promise<void>;

export type RuntimePhase = 'running' | 'draining';

export interface RuntimeState {
  /** `onShutdown` hooks in registration order; the drain runs them after the servers have closed. */
  readonly hooks: ShutdownHook[];
  /** `onDrain` hooks in registration order; the drain calls them when it starts. */
  readonly drainHooks: DrainHook[];
  phase: RuntimePhase;
  /** Set by the preload once it has wired heartbeats, signals and the drain message; guards a double install. */
  installed: boolean;
  /** Set in a spare until it is activated: what its app did that waits for activation (see spare.ts). */
  spare?: SpareHold | null;
}

/** A spare's held calls: `hold` queues one (its `listen()`, its `ready()`); activation runs them in order. */
export interface SpareHold {
  hold(run: () => void): void;
  /** Runs once the spare has been activated (ORCHESTRATOR_WORKER_INDEX is set by then). */
  onActivate(run: () => void): void;
}

const KEY = Symbol.for('cluster-orchestrator.worker');

type Holder = { [KEY]?: RuntimeState };

export function runtimeState(): RuntimeState {
  const holder = globalThis as Holder;
  holder[KEY] ??= { hooks: [], drainHooks: [], phase: 'running', installed: false };
  // A copy of an older runtime in the same process may have made the state without it.
  (holder[KEY] as { drainHooks?: DrainHook[] }).drainHooks ??= [];
  return holder[KEY];
}
