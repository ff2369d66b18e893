/**
 * The engine's vocabulary: what it is told (events), what it asks for (actions) and what it needs to know
 * about each group (specs). Plain data only, so a scenario can be written down, replayed and compared.
 *
 * The engine never sees `node:cluster`, a clock or a random source: time comes in as `now` (ms), randomness
 * as a seed, and everything it wants done comes out as actions the primary carries out.
 */

export type WorkerId = number;
export type Signal = 'SIGTERM' | 'SIGKILL';

export type BackoffSpec =
  | {
      readonly strategy: 'exponential';
      readonly initialMs: number;
      readonly maxMs: number;
      readonly factor: number;
      readonly jitter: number;
    }
  | {
      readonly strategy: 'linear';
      readonly initialMs: number;
      readonly incrementMs: number;
      readonly maxMs: number;
    }
  | { readonly strategy: 'fixed'; readonly delayMs: number }
  | { readonly strategy: 'none' };

/** Everything the engine needs about one group: the config's group with `count` resolved to a number. */
export interface GroupSpec {
  readonly count: number;
  /**
   * Fingerprint of the fields that need new processes to take effect (entry, args, execArgv, env, scheduling).
   * The engine only compares it: a changed revision rolls the group; the primary maps it to launch options.
   */
  readonly revision: string;
  readonly ready: { readonly on: 'listening' | 'message'; readonly timeoutMs: number };
  readonly backoff: BackoffSpec;
  readonly restart: {
    readonly when: 'always' | 'on-failure' | 'never';
    readonly maxRestarts: number;
    readonly windowMs: number;
    readonly resetAfterMs: number;
  };
  readonly reload: {
    readonly order: number;
    readonly maxSurge: number;
    readonly maxUnavailable: number;
    readonly timeoutMs: number;
  };
  readonly shutdown: { readonly timeoutMs: number };
  /** 0 turns a check off. Changes apply at once, to running workers too. */
  readonly health: { readonly heartbeatTimeoutMs: number; readonly maxMemoryMb: number };
  /** Absent or both limits 0: workers are never recycled. */
  readonly recycle?: RecycleSpec;
  /** Absent or count 0: no spares. */
  readonly spares?: SpareSpec;
}

/**
 * Warm spares: `count` workers booted (runtime loaded; with `preload`, the app's entry imported and its
 * `listen()` held) but not serving, each ready to take a slot whose worker died.
 */
export interface SpareSpec {
  readonly count: number;
  readonly preload: boolean;
}

export interface RecycleSpec {
  readonly afterRequests: number;
  readonly afterMs: number;
  readonly jitter: number;
}

export type RecycleCause = 'requests' | 'uptime';

/** Timers are data: the engine names what it waits for, the primary only counts down. */
export type Timer =
  | { readonly kind: 'respawn'; readonly group: string; readonly index: number }
  | { readonly kind: 'ready-timeout'; readonly worker: WorkerId }
  | { readonly kind: 'kill-deadline'; readonly worker: WorkerId }
  | { readonly kind: 'reload-deadline'; readonly group: string }
  /** Due `heartbeatTimeoutMs` after the worker's last sign of life; when it fires early (a beat came since) it is set again. */
  | { readonly kind: 'heartbeat'; readonly worker: WorkerId }
  /** The periodic resync: every group is reconciled, and timers long overdue (lost) are taken as fired. */
  | { readonly kind: 'reconcile' }
  | { readonly kind: 'recycle'; readonly worker: WorkerId }
  /** The group's spares wait out a backoff (a spare crashed, or one took a crashed worker's slot) before one is forked. */
  | { readonly kind: 'spare-respawn'; readonly group: string };

/** Why a worker is being replaced or stopped; recorded on the worker before any action is emitted. */
export type StopReason =
  | 'scale-down'
  | 'reload'
  | 'rollback'
  | 'removed'
  | 'shutdown'
  | 'memory'
  | 'recycle'
  | 'heartbeat'
  | 'ready-timeout'
  | 'kill-deadline'
  /** A spare no longer wanted: of an older revision, over the spare count, or its group stopped forking. */
  | 'spare-discarded';

export type EngineEvent =
  /**
   * A validated config: the desired groups. Groups absent here are drained and removed. Clears scale overrides.
   * Groups whose `revision` changed are rolled; that rollout's `rollout-finished` carries `request` (default 0).
   */
  | {
      readonly type: 'config-applied';
      readonly groups: Readonly<Record<string, GroupSpec>>;
      /** Echoed in the `rollout-finished` of the groups this config rolls (0 when absent). */
      readonly request?: number;
      /**
       * Groups to roll even if their revision did not change (an operator's reload that re-read the config),
       * in the same request as the changed ones, so no group is rolled twice.
       */
      readonly roll?: readonly string[];
    }
  | { readonly type: 'worker-forked'; readonly worker: WorkerId; readonly pid: number }
  | { readonly type: 'worker-online'; readonly worker: WorkerId }
  | { readonly type: 'worker-listening'; readonly worker: WorkerId }
  /** A spare has booted (and, with `preload`, its app reached `listen()` or `ready()`): it can take a slot at once. */
  | { readonly type: 'worker-standby'; readonly worker: WorkerId }
  /** The worker called `ready()`. */
  | { readonly type: 'worker-ready'; readonly worker: WorkerId }
  | {
      readonly type: 'worker-exited';
      readonly worker: WorkerId;
      readonly code: number | null;
      readonly signal: string | null;
      /** The line on the worker's stderr that best says why it died (an error message), when it wrote one. */
      readonly stderr?: string | null;
      /**
       * `host-lost`: the process that ran the worker (a helper primary) died and took it along. Not the
       * app's failure: the slot is forked again at once, without backoff, and not counted as a restart.
       */
      readonly cause?: 'host-lost';
    }
  /** `key` is `timerKey(timer)` of a `set-timer` action; stale or cancelled keys are ignored. */
  | { readonly type: 'timer-fired'; readonly key: string }
  /** Roll these groups (all groups when empty). `request` comes back in the matching `rollout-*` outcome. */
  | { readonly type: 'reload-requested'; readonly groups: readonly string[]; readonly request: number }
  /** Sets counts until the next `config-applied`. */
  | { readonly type: 'scale-requested'; readonly counts: Readonly<Record<string, number>> }
  | { readonly type: 'shutdown-requested' }
  /** The worker runtime's periodic sign of life, with its resident memory: the engine decides what it means. */
  | { readonly type: 'worker-heartbeat'; readonly worker: WorkerId; readonly rssBytes: number }
  /** How many HTTP requests the worker has served since it started (from its heartbeat; for recycling). */
  | { readonly type: 'requests-served'; readonly worker: WorkerId; readonly total: number };

export type Outcome =
  | { readonly kind: 'group-ready'; readonly group: string }
  | { readonly kind: 'group-failed'; readonly group: string; readonly reason: string }
  | { readonly kind: 'group-recovered'; readonly group: string }
  | { readonly kind: 'group-removed'; readonly group: string }
  | { readonly kind: 'reload-finished'; readonly group: string; readonly request: number }
  | {
      readonly kind: 'reload-aborted';
      readonly group: string;
      readonly request: number;
      readonly reason: string;
    }
  /** The whole request is over: `ok` false when any group aborted, was superseded or was skipped. */
  | {
      readonly kind: 'rollout-finished';
      readonly request: number;
      readonly ok: boolean;
      readonly groups: Readonly<Record<string, 'finished' | 'aborted' | 'skipped' | 'superseded'>>;
    }
  | { readonly kind: 'shutdown-complete' };

export type EngineAction =
  /**
   * Start a worker. `id` is assigned by the engine, so its intent is known before the process exists. A spare
   * (`spare` set) has no slot yet: `index` is -1 until an `activate` gives it one.
   */
  | {
      readonly type: 'fork';
      readonly worker: WorkerId;
      readonly group: string;
      readonly index: number;
      readonly generation: number;
      readonly revision: string;
      readonly spare?: { readonly preload: boolean };
    }
  /** A spare takes slot `index`: it is told its index and lets its app listen (it becomes ready as any worker). */
  | { readonly type: 'activate'; readonly worker: WorkerId; readonly index: number }
  /** Ask the worker to drain gracefully; always paired with a `kill-deadline` timer. */
  | { readonly type: 'drain'; readonly worker: WorkerId; readonly reason: StopReason }
  | { readonly type: 'kill'; readonly worker: WorkerId; readonly signal: Signal; readonly reason: StopReason }
  /** `at` is absolute time in the engine's clock (same unit as `now`). Re-setting a key replaces it. */
  | { readonly type: 'set-timer'; readonly key: string; readonly timer: Timer; readonly at: number }
  | { readonly type: 'cancel-timer'; readonly key: string }
  | { readonly type: 'report'; readonly outcome: Outcome }
  | {
      readonly type: 'log';
      readonly level: 'debug' | 'info' | 'warn' | 'error';
      readonly msg: string;
      readonly fields?: Readonly<Record<string, string | number | boolean | null>>;
    };
