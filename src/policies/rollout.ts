import { clearFailure, failGroup } from './crash-loop.ts';
import { log, report } from './log.ts';
import { regroup } from './membership.ts';
import { reopenAllSlots } from './slots.ts';
import { resetSpares } from './spares.ts';
import { atStrength, type Ctx, type GroupState, type Rollout, type RolloutGroupStatus } from './state.ts';
import { cancelTimer, setTimer } from './timers.ts';

/**
 * Rolling reloads as batches by `reload.order`: the lowest pending order starts (equal orders side by side), the
 * next one only once every group of the batch finished; an abort skips the rest.
 *
 * A group's roll is a generation bump: its current workers become old and reconcile replaces them under
 * maxSurge / maxUnavailable. An abort bumps back: the previous generation's workers are current again, the new
 * ones old, and reconcile drains them. Nothing is ever left outside "current or being replaced".
 */

/**
 * A reload of `names` (unknown or removed groups are ignored). A rollout already running is superseded: it ends
 * with `superseded` for its unfinished groups, which join the new one. A group mid-roll gets a new generation at
 * once when it is in the new first batch; otherwise it stops being tracked and simply converges on the
 * generation it was rolling to, until its batch comes.
 */
export function requestRollout(ctx: Ctx, names: readonly string[], request: number): void {
  const { state } = ctx;
  const wanted = new Set<string>();
  for (const name of names) if (rollable(ctx, name)) wanted.add(name);
  const previous = state.rollout;
  if (previous !== null) {
    for (const [name, status] of previous.groups) {
      if (status !== 'pending' && status !== 'rolling') continue;
      previous.groups.set(name, 'superseded');
      if (rollable(ctx, name)) wanted.add(name);
    }
    log(ctx, 'info', 'rollout superseded', { request: previous.request, by: request });
    finishRollout(ctx, previous);
  }
  const rollout: Rollout = { request, groups: new Map() };
  for (const name of wanted) rollout.groups.set(name, 'pending');
  state.rollout = rollout;
  const firstOrder = lowestOrder(ctx, rollout);
  for (const name of wanted) {
    const g = state.groups.get(name) as GroupState;
    if (g.roll !== null && g.spec.reload.order !== firstOrder) {
      cancelTimer(ctx, { kind: 'reload-deadline', group: g.name });
      g.roll = null;
    }
  }
  log(ctx, 'info', 'rollout requested', { request, groups: wanted.size });
}

/** Finishes groups that reached strength, then starts the next batch or ends the rollout. Idempotent. */
export function advanceRollout(ctx: Ctx): void {
  const rollout = ctx.state.rollout;
  if (rollout === null) return;
  let rolling = false;
  let aborted = false;
  for (const [name, status] of rollout.groups) {
    if (status === 'aborted') aborted = true;
    if (status !== 'rolling') continue;
    const g = ctx.state.groups.get(name);
    if (g === undefined || g.roll === null) {
      rollout.groups.set(name, 'aborted'); // cannot happen through the public events; never wait on it forever
      aborted = true;
    } else if (atStrength(g)) finishGroupRoll(ctx, g, rollout);
    else rolling = true;
  }
  if (rolling) return;
  if (aborted) {
    for (const [name, status] of rollout.groups)
      if (status === 'pending') rollout.groups.set(name, 'skipped');
    finishRollout(ctx, rollout);
    return;
  }
  const order = lowestOrder(ctx, rollout);
  if (order === undefined) {
    finishRollout(ctx, rollout);
    return;
  }
  for (const [name, status] of rollout.groups) {
    const g = ctx.state.groups.get(name);
    if (status !== 'pending' || g === undefined || g.spec.reload.order !== order) continue;
    startGroupRoll(ctx, g, rollout);
  }
}

/**
 * The group's roll moved forward (a new worker became ready, or an old one finished draining): its deadline
 * starts again. `reload.timeoutMs` is a progress deadline, like Kubernetes' `progressDeadlineSeconds`: a long
 * roll that keeps moving never hits it; one that stalls is aborted `timeoutMs` after its last progress.
 */
export function rollProgressed(ctx: Ctx, g: GroupState): void {
  if (g.roll === null) return;
  setTimer(ctx, { kind: 'reload-deadline', group: g.name }, ctx.now + g.spec.reload.timeoutMs);
}

/**
 * The group moves to a new generation running its spec's revision. Numbers only grow (`lastGeneration`), so a
 * rolled-back number is never reused; the caller regroups the workers.
 */
export function nextGeneration(g: GroupState): void {
  g.lastGeneration++;
  g.generation = g.lastGeneration;
  g.revision = g.spec.revision;
}

/** A new worker of a rolling group failed, or its deadline passed: back to the previous generation. */
export function abortGroupRoll(ctx: Ctx, g: GroupState, reason: string): void {
  const roll = g.roll;
  if (roll === null) return;
  g.roll = null;
  cancelTimer(ctx, { kind: 'reload-deadline', group: g.name });
  g.generation = roll.previousGeneration;
  g.revision = roll.previousRevision;
  regroup(ctx, g, 'rollback');
  if (roll.wasFailed) failGroup(ctx, g, 'crash-loop', false);
  markRollout(ctx, g, 'aborted');
  log(ctx, 'warn', 'reload aborted', {
    group: g.name,
    request: roll.request,
    reason,
    generation: g.generation,
  });
  report(ctx, { kind: 'reload-aborted', group: g.name, request: roll.request, reason });
  ctx.dirty.add(g);
}

/** The group leaves the rollout without finishing (removed, or shutdown): its generation stays as it is. */
export function dropGroupRoll(ctx: Ctx, g: GroupState, reason: string): void {
  const rollout = ctx.state.rollout;
  const status = rollout?.groups.get(g.name);
  if (rollout !== null && status === 'pending') rollout.groups.set(g.name, 'skipped');
  const roll = g.roll;
  if (roll === null) return;
  g.roll = null;
  cancelTimer(ctx, { kind: 'reload-deadline', group: g.name });
  if (status === 'rolling') {
    markRollout(ctx, g, 'aborted');
    report(ctx, { kind: 'reload-aborted', group: g.name, request: roll.request, reason });
  }
}

/** Shutdown ends any rollout: rolling groups are aborted, pending ones skipped. */
export function endRollout(ctx: Ctx, reason: string): void {
  const rollout = ctx.state.rollout;
  if (rollout === null) return;
  for (const g of ctx.state.groups.values()) dropGroupRoll(ctx, g, reason);
  for (const [name, status] of rollout.groups) if (status === 'pending') rollout.groups.set(name, 'skipped');
  finishRollout(ctx, rollout);
}

function startGroupRoll(ctx: Ctx, g: GroupState, rollout: Rollout): void {
  const prior = g.roll;
  g.roll = {
    request: rollout.request,
    previousGeneration: prior?.previousGeneration ?? g.generation,
    previousRevision: prior?.previousRevision ?? g.revision,
    wasFailed: prior?.wasFailed ?? g.status === 'failed',
  };
  nextGeneration(g);
  clearFailure(g);
  resetSpares(ctx, g);
  reopenAllSlots(g);
  regroup(ctx, g, 'reload');
  rollout.groups.set(g.name, 'rolling');
  setTimer(ctx, { kind: 'reload-deadline', group: g.name }, ctx.now + g.spec.reload.timeoutMs);
  log(ctx, 'info', 'reload started', {
    group: g.name,
    request: rollout.request,
    generation: g.generation,
    revision: g.revision,
  });
  ctx.dirty.add(g);
}

function finishGroupRoll(ctx: Ctx, g: GroupState, rollout: Rollout): void {
  const roll = g.roll;
  if (roll === null) return;
  g.roll = null;
  cancelTimer(ctx, { kind: 'reload-deadline', group: g.name });
  rollout.groups.set(g.name, 'finished');
  ctx.dirty.add(g); // what waited for the roll to end (its spares) goes on in this step
  log(ctx, 'info', 'reload finished', { group: g.name, request: roll.request, generation: g.generation });
  report(ctx, { kind: 'reload-finished', group: g.name, request: roll.request });
}

function finishRollout(ctx: Ctx, rollout: Rollout): void {
  const groups: Record<string, 'finished' | 'aborted' | 'skipped' | 'superseded'> = {};
  let ok = true;
  for (const [name, status] of rollout.groups) {
    const final = status === 'pending' || status === 'rolling' ? 'skipped' : status;
    groups[name] = final;
    if (final !== 'finished') ok = false;
  }
  if (ctx.state.rollout === rollout) ctx.state.rollout = null;
  // No log here: the shell logs the outcome once, with every group's result (a log field is a scalar).
  report(ctx, { kind: 'rollout-finished', request: rollout.request, ok, groups });
}

function markRollout(ctx: Ctx, g: GroupState, status: RolloutGroupStatus): void {
  const rollout = ctx.state.rollout;
  if (rollout !== null && rollout.groups.get(g.name) === 'rolling') rollout.groups.set(g.name, status);
}

function lowestOrder(ctx: Ctx, rollout: Rollout): number | undefined {
  let lowest: number | undefined;
  for (const [name, status] of rollout.groups) {
    const g = ctx.state.groups.get(name);
    if (status !== 'pending' || g === undefined) continue;
    if (lowest === undefined || g.spec.reload.order < lowest) lowest = g.spec.reload.order;
  }
  return lowest;
}

function rollable(ctx: Ctx, name: string): boolean {
  const g = ctx.state.groups.get(name);
  return g !== undefined && g.status !== 'removing';
}
