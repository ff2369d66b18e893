import { clearFailure, resetRestartWindow } from './crash-loop.ts';
import { healthChanged } from './health.ts';
import { log } from './log.ts';
import { drainAll, regroup } from './membership.ts';
import { dropGroupRoll, nextGeneration, requestRollout } from './rollout.ts';
import { endAllBackoff, reopenAllSlots } from './slots.ts';
import { endSpareBackoff, resetSpares } from './spares.ts';
import { type Ctx, type GroupState, newGroup, sanitizeCount } from './state.ts';
import type { GroupSpec } from './types.ts';

/**
 * A new config: groups are created, changed or removed; counts and policies take effect at once (scale overrides
 * are cleared); changed revisions are rolled; a changed failed group gets another chance.
 */
export function observeConfig(
  ctx: Ctx,
  groups: Readonly<Record<string, GroupSpec>>,
  request: number,
  roll: readonly string[] = [],
): void {
  const { state } = ctx;
  if (state.shutdown !== null) {
    log(ctx, 'warn', 'config ignored during shutdown', {});
    return;
  }
  const toRoll: string[] = [];
  for (const [name, spec] of Object.entries(groups)) {
    const g = state.groups.get(name);
    if (g === undefined) {
      const created = newGroup(name, spec);
      state.groups.set(name, created);
      log(ctx, 'info', 'group added', { group: name, count: created.desired, revision: spec.revision });
      ctx.dirty.add(created);
      continue;
    }
    const changed = !sameSpec(g.spec, spec);
    const revised = spec.revision !== g.spec.revision;
    const health = !sameSpec(g.spec.health, spec.health);
    g.spec = spec;
    if (health) healthChanged(ctx, g);
    if (g.scaled !== null) {
      log(ctx, 'info', 'scale override ended', {
        group: name,
        from: g.desired,
        to: sanitizeCount(spec.count),
        since: g.scaled.since,
      });
      g.scaled = null;
    }
    g.desired = sanitizeCount(spec.count);
    if (g.status === 'removing') revive(ctx, g);
    else {
      if (changed) {
        clearFailure(g);
        resetSpares(ctx, g);
      }
      if (revised || roll.includes(name)) toRoll.push(name);
    }
    ctx.dirty.add(g);
  }
  for (const g of state.groups.values()) {
    if (!Object.hasOwn(groups, g.name) && g.status !== 'removing') remove(ctx, g);
  }
  if (toRoll.length > 0) requestRollout(ctx, toRoll, request);
}

/** Counts until the next config. Unknown groups and counts that are not non-negative integers are ignored. */
export function observeScale(ctx: Ctx, counts: Readonly<Record<string, number>>): void {
  if (ctx.state.shutdown !== null) return;
  for (const [name, count] of Object.entries(counts)) {
    const g = ctx.state.groups.get(name);
    if (g === undefined || g.status === 'removing' || !Number.isInteger(count) || count < 0) {
      log(ctx, 'warn', 'scale ignored', { group: name, count });
      continue;
    }
    log(ctx, 'info', 'group scaled', { group: name, from: g.desired, to: count });
    g.desired = count;
    g.scaled = { since: ctx.now };
    ctx.dirty.add(g);
  }
}

/** Removed from the config: every worker drains (reconcile does it), then the group is forgotten. */
function remove(ctx: Ctx, g: GroupState): void {
  g.status = 'removing';
  g.recovering = false;
  dropGroupRoll(ctx, g, 'removed');
  endAllBackoff(ctx, g);
  endSpareBackoff(ctx, g);
  reopenAllSlots(g);
  drainAll(ctx, g, 'removed');
  log(ctx, 'info', 'group removing', { group: g.name, workers: g.members.size });
  ctx.dirty.add(g);
}

/** A group back in the config before its removal finished: it starts over with a fresh generation. */
function revive(ctx: Ctx, g: GroupState): void {
  g.status = 'active';
  nextGeneration(g);
  resetRestartWindow(g);
  regroup(ctx, g, 'reload');
  log(ctx, 'info', 'group added', { group: g.name, count: g.desired, revision: g.revision });
}

function sameSpec<T>(a: T, b: T): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
