import { Heap } from './heap.ts';
import type { Rng } from './random.ts';
import type { WorkerRecycleLimits } from './recycle.ts';
import type { EngineAction, GroupSpec, RecycleCause, StopReason, Timer, WorkerId } from './types.ts';

/**
 * The engine's owned, mutable state. `step` updates it in place: copying it per event would cost O(workers).
 *
 * Per group the engine keeps indexes (sets, counters, heaps) instead of scanning its workers, so handling an
 * event costs the same with 10 workers as with 10,000.
 */
export interface EngineState {
  readonly rng: Rng;
  nextWorker: WorkerId;
  readonly workers: Map<WorkerId, WorkerRecord>;
  readonly groups: Map<string, GroupState>;
  /** Every timer the engine has set and not yet seen fire or cancelled: `timer-fired` for any other key is stale. */
  readonly timers: Map<string, PendingTimer>;
  rollout: Rollout | null;
  shutdown: ShutdownState | null;
}

export interface PendingTimer {
  readonly timer: Timer;
  readonly at: number;
}

/**
 * A live process the engine knows about (from its `fork` action until its exit).
 * `place` says how it counts for its group:
 * - current: of the group's current generation, holding slot `index`;
 * - old: to be replaced (older generation, or marked, e.g. over its memory limit); drained by reconcile;
 * - draining: told to stop (`intent` says why); counts for nothing, only waits for its exit;
 * - spare: booted for no slot (index -1), not serving, until `activate` makes it current.
 */
export interface WorkerRecord {
  readonly id: WorkerId;
  readonly group: string;
  /** Its slot; -1 for a spare (set when it is activated). */
  index: number;
  readonly generation: number;
  readonly revision: string;
  readonly forkedAt: number;
  /** When it began to hold a slot: its fork, or a spare's activation (recycling's uptime counts from here). */
  servingFrom: number;
  /** Restarts of its slot before this worker was forked or activated into it (shown in status). */
  restarts: number;
  pid: number | null;
  /** `spare`: booted for no slot, not serving; counts for nothing until activated (see spares.ts). */
  place: 'current' | 'old' | 'draining' | 'spare';
  /** Set for a worker forked as a spare (kept after activation): how it was booted. */
  readonly spare: { readonly preload: boolean } | null;
  /** When a spare reported it had booted (`worker-standby`); null before. */
  standbyAt: number | null;
  /** Ready and not being killed: only such a worker counts as available. */
  ready: boolean;
  readyAt: number | null;
  /** Why it is being stopped; set BEFORE the drain or kill goes out, so its exit is never taken for a crash. */
  intent: StopReason | null;
  /** What its drain will say once it is old. */
  oldReason: StopReason;
  /** Marked for replacement (memory, recycle): never current again, whatever its generation. */
  replace: boolean;
  /** Its last sign of life (listening, ready or a heartbeat); null until the first, when watching begins. */
  beatAt: number | null;
  /** Its own recycle limits, drawn at fork (0 = off). */
  readonly recycle: WorkerRecycleLimits;
}

/** A position 0..desired-1 of a group: ORCHESTRATOR_WORKER_INDEX, stable across restarts of that slot. */
export interface Slot {
  /** The current worker in this slot. */
  holder: WorkerId | null;
  /** Waiting for its respawn timer after a crash. */
  backoff: SlotBackoff | null;
  /** Its worker exited and is not to be restarted (restart.when), until the next reload or config change. */
  completed: { readonly worker: WorkerId; readonly at: number } | null;
  /** Backoff attempt of the next restart (0 = first). */
  attempt: number;
  restarts: number;
  /** Whether the free-slot heap holds an entry for it (avoids duplicates). */
  queued: boolean;
}

export interface SlotBackoff {
  readonly worker: WorkerId;
  readonly since: number;
  readonly until: number;
}

export interface RollState {
  readonly request: number;
  /** Where an abort goes back to: the last generation that was not mid-roll. */
  readonly previousGeneration: number;
  readonly previousRevision: string;
  /** The group was `failed` before this roll cleared it; an abort makes it failed again. */
  readonly wasFailed: boolean;
}

export interface GroupState {
  readonly name: string;
  spec: GroupSpec;
  /** spec.count, or the scale override until the next config. */
  desired: number;
  /** Set by `scale` (the count in `desired`, and since when), cleared by the next config. */
  scaled: { readonly since: number } | null;
  generation: number;
  revision: string;
  /** Highest generation ever issued, so a rolled-back number is never reused. */
  lastGeneration: number;
  status: 'active' | 'failed' | 'removing';
  /** Set once the group is forgotten (removed), for references still held during a step. */
  removed: boolean;
  // Indexes, each written only by its owner (invariants.ts checks that they agree with workers and slots).
  // Owned by membership.ts:
  /** Every worker of the group, draining ones included. */
  readonly members: Set<WorkerId>;
  readonly current: Set<WorkerId>;
  /** Workers to be replaced; searched, not indexed further (a group has at most 1,024 + maxSurge workers). */
  readonly old: Set<WorkerId>;
  /** Spares not yet activated (place 'spare'). */
  readonly spares: Set<WorkerId>;
  readyCurrent: number;
  readyOld: number;
  // Owned by slots.ts (the array itself; `holder` by membership.ts, `attempt` / `restarts` by the restart policy):
  readonly slots: Slot[];
  /** Candidate free slot indexes, lowest first (lazy). */
  freeSlots: Heap<number>;
  readonly backoff: Set<number>;
  readonly completed: Set<number>;
  // Owned by crash-loop.ts:
  /** Times of scheduled restarts; entries before `restartHead` have left the window. */
  restartTimes: number[];
  restartHead: number;
  roll: RollState | null;
  everReady: boolean;
  /** A failure was cleared: report `group-recovered` once back at strength. */
  recovering: boolean;
  /** The last exit that counted as a failure (shown in status until a later one replaces it). */
  lastExit: LastExit | null;
  /** The crash loop was logged; logged again only after the group has been back at strength. */
  crashLoopLogged: boolean;
  // Owned by spares.ts:
  /** Set while a `spare-respawn` timer holds back the next spare fork. */
  spareBackoff: { readonly until: number } | null;
  /** Spare boots that failed in a row (a spare crashed before standby, or took a crashed worker's slot). */
  spareAttempt: number;
  /** Current workers that reached a recycle limit and wait for their turn (see recycle.ts), in order. */
  readonly recycleDue: Map<WorkerId, RecycleCause>;
  /** Workers recycled so far, by cause (not failures: shown apart from restarts). */
  readonly recycled: Record<RecycleCause, number>;
}

/** A worker's exit that counted as a failure: what `status` shows as the reason a group is not running. */
export interface LastExit {
  readonly worker: WorkerId;
  readonly index: number;
  readonly code: number | null;
  readonly signal: string | null;
  /** Why the engine stopped it, when it did (a worker that never got ready, or stopped its heartbeats). */
  readonly stoppedFor: StopReason | null;
  readonly stderr: string | null;
  readonly at: number;
}

export type RolloutGroupStatus = 'pending' | 'rolling' | 'finished' | 'aborted' | 'skipped' | 'superseded';

export interface Rollout {
  readonly request: number;
  readonly groups: Map<string, RolloutGroupStatus>;
}

export interface ShutdownState {
  escalated: boolean;
  completed: boolean;
}

/** What one `step` works with: the state, the clock, the actions so far and the groups to reconcile. */
export interface Ctx {
  readonly state: EngineState;
  readonly now: number;
  readonly out: EngineAction[];
  readonly dirty: Set<GroupState>;
}

export function newGroup(name: string, spec: GroupSpec): GroupState {
  return {
    name,
    spec,
    desired: sanitizeCount(spec.count),
    scaled: null,
    generation: 1,
    revision: spec.revision,
    lastGeneration: 1,
    status: 'active',
    removed: false,
    members: new Set(),
    current: new Set(),
    old: new Set(),
    spares: new Set(),
    readyCurrent: 0,
    readyOld: 0,
    slots: [],
    freeSlots: newFreeSlotHeap(),
    backoff: new Set(),
    completed: new Set(),
    restartTimes: [],
    restartHead: 0,
    roll: null,
    everReady: false,
    recovering: false,
    lastExit: null,
    crashLoopLogged: false,
    recycleDue: new Map(),
    recycled: { requests: 0, uptime: 0 },
    spareBackoff: null,
    spareAttempt: 0,
  };
}

export function newFreeSlotHeap(): Heap<number> {
  return new Heap((a, b) => a < b);
}

/** A count the engine can work with whatever it is given: a non-negative integer. */
export function sanitizeCount(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

export function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Non-draining workers: the processes that count against maxSurge. */
export function liveCount(g: GroupState): number {
  return g.current.size + g.old.size;
}

export function readyCount(g: GroupState): number {
  return g.readyCurrent + g.readyOld;
}

/** Every slot filled by a ready current worker and nothing left to replace. */
export function atStrength(g: GroupState): boolean {
  return g.old.size === 0 && g.readyCurrent === g.desired;
}
