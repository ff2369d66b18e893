import { CRASH_LOOP_ATTEMPTS } from './restart.ts';
import type { EngineState, GroupState, LastExit, WorkerRecord } from './state.ts';
import type { WorkerId } from './types.ts';

export type GroupViewState =
  | 'starting'
  | 'running'
  | 'reloading'
  | 'degraded'
  | 'failed'
  | 'stopping'
  | 'stopped';
export type WorkerViewState = 'starting' | 'ready' | 'draining' | 'backoff' | 'stopped';

/**
 * Why a group is not at strength, beside its state (the contract's states are a closed list):
 * - crash-looping: a slot's worker crashed CRASH_LOOP_ATTEMPTS times in a row and none of it is ready now;
 * - backing-off: a slot waits out its backoff before its worker is restarted.
 */
export type GroupCondition = 'crash-looping' | 'backing-off';

export interface WorkerView {
  /** For a slot in backoff or stopped: the worker that last held it. */
  readonly id: WorkerId;
  readonly pid: number | null;
  readonly index: number;
  readonly generation: number;
  readonly state: WorkerViewState;
  readonly restarts: number;
  /** Engine clock, ms: when the worker was forked; for a slot in backoff or stopped, when it got there. */
  readonly startedAt: number;
}

/** A spare: `booting` until it reports it stands by, then `standby` (its app's listen held). */
export interface SpareView {
  readonly id: WorkerId;
  readonly pid: number | null;
  readonly generation: number;
  readonly state: 'booting' | 'standby';
  readonly preload: boolean;
  /** Engine clock, ms: when it was forked. */
  readonly startedAt: number;
}

export interface GroupView {
  readonly name: string;
  readonly state: GroupViewState;
  readonly desired: number;
  /** `desired` comes from `scale`, since `since` (engine clock), until the next config. */
  readonly scaled: { readonly since: number } | null;
  readonly condition: GroupCondition | null;
  /** The last exit that counted as a failure, engine clock `at`. */
  readonly lastExit: LastExit | null;
  /** Workers replaced by `recycle` so far, by cause: planned replacements, not failures. */
  readonly recycled: Readonly<Record<'requests' | 'uptime', number>>;
  readonly workers: readonly WorkerView[];
  /** Spares not yet activated (not in `workers`: they hold no slot and serve nothing). */
  readonly spares: readonly SpareView[];
}

/** The status of every group, workers by index. O(workers): for `status`, not for every event. */
export function describe(state: EngineState): GroupView[] {
  const views: GroupView[] = [];
  for (const g of state.groups.values()) {
    const workers: WorkerView[] = [];
    const spares: SpareView[] = [];
    for (const id of g.members) {
      const w = state.workers.get(id);
      if (w === undefined) continue;
      if (w.place === 'spare') spares.push(spareView(w));
      else workers.push(workerView(w));
    }
    for (const index of g.backoff) {
      const slot = g.slots[index];
      if (slot?.backoff == null) continue;
      const base = {
        id: slot.backoff.worker,
        pid: null,
        index,
        generation: g.generation,
        restarts: slot.restarts,
      };
      workers.push({ ...base, state: 'backoff', startedAt: slot.backoff.since });
    }
    for (const index of g.completed) {
      const slot = g.slots[index];
      if (slot?.completed == null) continue;
      const base = {
        id: slot.completed.worker,
        pid: null,
        index,
        generation: g.generation,
        restarts: slot.restarts,
      };
      workers.push({ ...base, state: 'stopped', startedAt: slot.completed.at });
    }
    workers.sort((a, b) => a.index - b.index || a.id - b.id);
    views.push({
      name: g.name,
      state: groupState(state, g),
      desired: g.desired,
      scaled: g.scaled,
      condition: condition(state, g),
      lastExit: g.lastExit,
      recycled: { ...g.recycled },
      workers,
      spares: spares.sort((a, b) => a.id - b.id),
    });
  }
  return views;
}

/** Shutdown was requested, every worker has exited and no timer is left. */
export function isShutdownComplete(state: EngineState): boolean {
  return state.shutdown !== null && state.workers.size === 0 && state.timers.size === 0;
}

function workerView(w: WorkerRecord): WorkerView {
  const viewState: WorkerViewState = w.place === 'draining' ? 'draining' : w.ready ? 'ready' : 'starting';
  return {
    id: w.id,
    pid: w.pid,
    index: w.index,
    generation: w.generation,
    state: viewState,
    restarts: w.restarts,
    startedAt: w.forkedAt,
  };
}

function spareView(w: WorkerRecord): SpareView {
  return {
    id: w.id,
    pid: w.pid,
    generation: w.generation,
    state: w.standbyAt === null ? 'booting' : 'standby',
    preload: w.spare?.preload === true,
    startedAt: w.forkedAt,
  };
}

function groupState(state: EngineState, g: GroupState): GroupViewState {
  if (state.shutdown !== null) return g.members.size === 0 ? 'stopped' : 'stopping';
  if (g.status === 'removing') return 'stopping';
  if (g.status === 'failed') return 'failed';
  if (g.roll !== null) return 'reloading';
  if (!g.everReady) return 'starting';
  return g.readyCurrent < g.desired ? 'degraded' : 'running';
}

function condition(state: EngineState, g: GroupState): GroupCondition | null {
  if (state.shutdown !== null || g.status !== 'active') return null;
  const slots = Math.min(g.desired, g.slots.length);
  for (let index = 0; index < slots; index++) {
    const slot = g.slots[index];
    if (slot === undefined || slot.attempt < CRASH_LOOP_ATTEMPTS) continue;
    const holder = slot.holder === null ? undefined : state.workers.get(slot.holder);
    if (holder === undefined || !holder.ready) return 'crash-looping';
  }
  return g.backoff.size > 0 ? 'backing-off' : null;
}

/**
 * Per group, every revision the engine may still fork or that a live worker runs: the applied spec's (a
 * pending roll), the current generation's, a roll's rollback target, and each member's. O(workers): the
 * shell prunes its launch settings with it once per applied config.
 */
export function revisionsInUse(state: EngineState): Map<string, Set<string>> {
  const inUse = new Map<string, Set<string>>();
  for (const g of state.groups.values()) {
    const revisions = new Set([g.spec.revision, g.revision]);
    if (g.roll !== null) revisions.add(g.roll.previousRevision);
    for (const id of g.members) {
      const w = state.workers.get(id);
      if (w !== undefined) revisions.add(w.revision);
    }
    inUse.set(g.name, revisions);
  }
  return inUse;
}
