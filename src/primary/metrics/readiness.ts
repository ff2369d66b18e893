import { describeExit } from '../../policies/exit-reason.ts';
import type { GroupCondition, GroupView, GroupViewState } from '../../policies/view.ts';

export interface GroupReadiness {
  readonly group: string;
  readonly state: GroupViewState;
  readonly desired: number;
  readonly ready: number;
  /** Present when the group crash-loops or backs off (see GroupView). */
  readonly condition?: GroupCondition;
  /** Why it is not ready, when its workers failed: `crash-looping: exit code 1: Error: listen EADDRINUSE ...`. */
  readonly reason?: string;
}

/** `/readyz` and systemd's READY=1: every group has at least its desired number of ready workers. */
export type Readiness =
  | { readonly ready: true; readonly groups: readonly GroupReadiness[] }
  | {
      readonly ready: false;
      readonly groups: readonly GroupReadiness[];
      readonly short: readonly GroupReadiness[];
    };

/** States in which a group does not count as ready whatever its workers say: it is going away or gave up. */
const NEVER_READY: ReadonlySet<GroupViewState> = new Set(['failed', 'stopping', 'stopped']);

/**
 * "At least", not "exactly": during a rolling reload with surge a group briefly has one ready worker more
 * than desired (old and new side by side), and that is the healthiest moment of the reload, not a fault.
 * Example: desired 2, reloading with maxSurge 1 -> 3 ready -> ready; after a crash 1 ready -> short.
 */
export function readiness(groups: readonly GroupView[]): Readiness {
  const all = groups.map(groupReadiness);
  const short = all.filter((g) => NEVER_READY.has(g.state) || g.ready < g.desired);
  // A config always has a group: none at all means no config has been applied yet.
  if (all.length === 0) return { ready: false, groups: all, short };
  return short.length === 0 ? { ready: true, groups: all } : { ready: false, groups: all, short };
}

function groupReadiness(g: GroupView): GroupReadiness {
  const base = {
    group: g.name,
    state: g.state,
    desired: g.desired,
    ready: g.workers.filter((w) => w.state === 'ready').length,
  };
  const troubled = g.condition !== null || g.state === 'failed';
  if (!troubled) return base;
  const what = g.condition ?? g.state;
  const reason = g.lastExit === null ? what : `${what}: ${describeExit(g.lastExit)}`;
  return { ...base, ...(g.condition === null ? {} : { condition: g.condition }), reason };
}
