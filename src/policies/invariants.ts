import { isFree } from './slots.ts';
import type { EngineState, GroupState, WorkerRecord } from './state.ts';
import { timerKey } from './timer-key.ts';

/**
 * What must hold between two steps: every index a group keeps agrees with the workers and slots it summarises,
 * and every pending timer is one the engine still waits for. Returns the violations (empty when all is well).
 *
 * O(workers + slots + timers): for tests (the property tests run it after every step), never for every event in
 * production.
 */
export function checkInvariants(state: EngineState): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(message);

  for (const w of state.workers.values()) {
    const g = state.groups.get(w.group);
    if (g === undefined) fail(`worker ${w.id} of unknown group ${w.group}`);
    else if (!g.members.has(w.id)) fail(`worker ${w.id} missing from ${g.name}.members`);
  }
  for (const g of state.groups.values()) checkGroup(state, g, fail);
  checkTimers(state, fail);
  checkRollout(state, fail);
  return problems;
}

function checkGroup(state: EngineState, g: GroupState, fail: (message: string) => void): void {
  const at = `group ${g.name}`;
  if (g.removed) fail(`${at}: removed but still in the state`);
  const current = new Set<number>();
  const old = new Set<number>();
  const spares = new Set<number>();
  let readyOld = 0;
  let readyCurrent = 0;
  for (const id of g.members) {
    const w = state.workers.get(id);
    if (w === undefined) {
      fail(`${at}: member ${id} is not a live worker`);
      continue;
    }
    if (w.group !== g.name) fail(`${at}: member ${id} belongs to ${w.group}`);
    if (w.place === 'current') {
      current.add(id);
      if (w.ready) readyCurrent++;
      checkHolder(g, w, fail);
    } else if (w.place === 'old') {
      old.add(id);
      if (w.ready) readyOld++;
    }
    if (w.place === 'spare') {
      spares.add(id);
      checkSpare(state, g, w, fail);
    }
    if (w.place === 'draining' && w.intent === null) fail(`${at}: worker ${id} draining with no intent`);
  }
  sameSet(`${at}.spares`, g.spares, spares, fail);
  checkSpareCount(state, g, fail);
  sameSet(`${at}.current`, g.current, current, fail);
  sameSet(`${at}.old`, g.old, old, fail);
  if (g.readyCurrent !== readyCurrent) fail(`${at}.readyCurrent ${g.readyCurrent}, counted ${readyCurrent}`);
  if (g.readyOld !== readyOld) fail(`${at}.readyOld ${g.readyOld}, counted ${readyOld}`);

  const backoff = new Set<number>();
  const completed = new Set<number>();
  const free = new Set(g.freeSlots.values());
  g.slots.forEach((slot, index) => {
    if (slot.backoff !== null) backoff.add(index);
    if (slot.completed !== null) completed.add(index);
    if (slot.holder !== null) {
      const w = state.workers.get(slot.holder);
      if (w === undefined || w.place !== 'current' || w.index !== index || w.group !== g.name)
        fail(`${at}: slot ${index} held by ${slot.holder}, which is not its current worker`);
      if (slot.backoff !== null) fail(`${at}: slot ${index} held and in backoff`);
    }
    if (slot.backoff !== null && !state.timers.has(timerKey({ kind: 'respawn', group: g.name, index })))
      fail(`${at}: slot ${index} in backoff with no respawn timer`);
    if (slot.queued !== free.has(index))
      fail(`${at}: slot ${index} queued=${slot.queued} disagrees with freeSlots`);
    if (isFree(slot) && index < g.desired && !slot.queued && g.status === 'active' && state.shutdown === null)
      fail(`${at}: free slot ${index} is not offered`);
  });
  sameSet(`${at}.backoff`, g.backoff, backoff, fail);
  sameSet(`${at}.completed`, g.completed, completed, fail);
  if (g.status !== 'removing' && state.shutdown === null && g.slots.length !== g.desired)
    fail(`${at}: ${g.slots.length} slots for desired ${g.desired}`);
  if (g.restartHead < 0 || g.restartHead > g.restartTimes.length) fail(`${at}: restartHead out of range`);
  if (g.lastGeneration < g.generation) fail(`${at}: generation ${g.generation} above lastGeneration`);
}

/** A spare holds no slot, was forked as one, and is of the group's generation once reconciled. */
function checkSpare(
  state: EngineState,
  g: GroupState,
  w: WorkerRecord,
  fail: (message: string) => void,
): void {
  const at = `group ${g.name}: spare ${w.id}`;
  if (w.index !== -1) fail(`${at} has index ${w.index}`);
  if (w.spare === null) fail(`${at} was not forked as a spare`);
  if (w.ready) fail(`${at} counts as ready`);
  if (reconciled(state, g) && w.generation !== g.generation)
    fail(`${at} of generation ${w.generation}, group at ${g.generation}`);
}

/**
 * Between steps an active group has no more spares than it wants, none while it rolls, and its spare backoff
 * has its timer.
 */
function checkSpareCount(state: EngineState, g: GroupState, fail: (message: string) => void): void {
  const at = `group ${g.name}`;
  const want = g.spec.spares?.count ?? 0;
  if (reconciled(state, g) && g.spares.size > want) fail(`${at}: ${g.spares.size} spares, count ${want}`);
  if (g.roll !== null && g.spares.size > 0) fail(`${at}: ${g.spares.size} spares while rolling`);
  const timer = state.timers.has(timerKey({ kind: 'spare-respawn', group: g.name }));
  if ((g.spareBackoff !== null) !== timer)
    fail(`${at}: spare backoff ${JSON.stringify(g.spareBackoff)} with timer ${timer}`);
}

/** Reconcile keeps the group's spares in line: active and not shutting down. */
function reconciled(state: EngineState, g: GroupState): boolean {
  return g.status === 'active' && state.shutdown === null;
}

function checkHolder(g: GroupState, w: WorkerRecord, fail: (message: string) => void): void {
  const slot = g.slots[w.index];
  if (slot === undefined || slot.holder !== w.id)
    fail(`group ${g.name}: current worker ${w.id} does not hold slot ${w.index}`);
}

/** Every pending timer refers to something still waiting for it. */
function checkTimers(state: EngineState, fail: (message: string) => void): void {
  for (const [key, { timer }] of state.timers) {
    if (timerKey(timer) !== key) fail(`timer ${key} stored under another key`);
    switch (timer.kind) {
      case 'respawn': {
        const slot = state.groups.get(timer.group)?.slots[timer.index];
        if (slot?.backoff == null) fail(`timer ${key}: its slot is not in backoff`);
        if (state.shutdown !== null) fail(`timer ${key} pending during shutdown`);
        break;
      }
      case 'ready-timeout': {
        const w = state.workers.get(timer.worker);
        if (w === undefined || w.readyAt !== null || w.place === 'draining')
          fail(`timer ${key}: its worker is gone, ready or draining`);
        else if (w.place === 'spare' && w.standbyAt !== null) fail(`timer ${key}: its spare stands by`);
        break;
      }
      case 'kill-deadline':
        if (state.workers.get(timer.worker)?.place !== 'draining')
          fail(`timer ${key}: its worker is not draining`);
        break;
      case 'heartbeat': {
        const w = state.workers.get(timer.worker);
        if (w === undefined || w.beatAt === null || w.place === 'draining' || w.intent !== null)
          fail(`timer ${key}: its worker is not watched`);
        break;
      }
      case 'recycle': {
        // Armed once the worker is ready; it may outlive its time as current or ready (firing then is ignored).
        const w = state.workers.get(timer.worker);
        if (w === undefined || w.readyAt === null || !(w.recycle.uptimeMs > 0))
          fail(`timer ${key}: its worker is gone, never ready or has no uptime limit`);
        break;
      }
      case 'reload-deadline':
        if (state.groups.get(timer.group)?.roll == null) fail(`timer ${key}: its group is not rolling`);
        break;
      case 'spare-respawn':
        if (state.groups.get(timer.group)?.spareBackoff == null)
          fail(`timer ${key}: its group's spares are not in backoff`);
        break;
      case 'reconcile':
        break;
    }
  }
}

function checkRollout(state: EngineState, fail: (message: string) => void): void {
  for (const g of state.groups.values()) {
    if (g.roll === null) continue;
    if (state.rollout?.groups.get(g.name) !== 'rolling')
      fail(`group ${g.name} has a roll but is not rolling in the rollout`);
    if (!state.timers.has(timerKey({ kind: 'reload-deadline', group: g.name })))
      fail(`group ${g.name} rolls with no deadline`);
  }
}

function sameSet(
  name: string,
  kept: ReadonlySet<number>,
  counted: ReadonlySet<number>,
  fail: (m: string) => void,
) {
  if (kept.size !== counted.size || [...kept].some((id) => !counted.has(id)))
    fail(`${name} {${[...kept].join(',')}} disagrees with {${[...counted].join(',')}}`);
}
