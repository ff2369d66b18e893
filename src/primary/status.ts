import type { AutoSettings } from '../config/auto-settings.ts';
import { describeExit, type ExitFacts } from '../policies/exit-reason.ts';
import type { GroupView } from '../policies/view.ts';
import type { HttpStats } from '../worker/http-stats.ts';
import type { Scheduling } from './hosts/types.ts';
import type { LastReload } from './reload-history.ts';
import type { Versions } from './upgrade/protocol.ts';

/** `orchestrator status --json`, as the contract shows it (more fields may be added; these stay). */
export interface StatusJson {
  readonly pid: number;
  /** The control socket this answer came through (what `--socket` takes). */
  readonly socket: string;
  readonly config: { readonly path: string; readonly generation: number; readonly error: string | null };
  readonly groups: readonly GroupStatus[];
  /** What the primary runs: after `orchestrator upgrade`, the new primary's Node and orchestrator. */
  readonly versions?: Versions;
}

export interface GroupStatus {
  readonly name: string;
  readonly state: GroupView['state'];
  /** null only for a group the supervisor never launched (cannot happen: every group in status was configured). */
  readonly scheduling: Scheduling | null;
  readonly desired: number;
  /** Workers in state `ready`. */
  readonly ready: number;
  /** How the group's last roll ended (null before its first): after `aborted` it still runs its old settings. */
  readonly lastReload: LastReload | null;
  /** Set while `desired` comes from `orchestrator scale` (since when); the next config or reload ends it. */
  readonly scaled: { readonly since: string } | null;
  /** `crash-looping` or `backing-off` beside `state` (whose values are fixed by the contract); null when neither. */
  readonly condition: GroupView['condition'];
  /** The last exit of one of its workers that counted as a failure; null if none ever did. */
  readonly lastExit: LastExitStatus | null;
  /** What each `'auto'` setting of the group resolved to and why, e.g. `count: { value: 2, reason: 'cgroup cpu.max 200000/100000' }`. */
  readonly auto?: AutoSettings;
  /** Workers replaced by `recycle` (by cause); not failures, so not in `restarts`. */
  readonly recycled?: GroupView['recycled'];
  readonly workers: readonly WorkerStatus[];
  /** Warm spares (`spares`): booted, serving nothing, each ready to take the slot of a worker that dies. */
  readonly spares?: readonly SpareStatus[];
}

export interface SpareStatus {
  readonly id: number;
  readonly pid: number | null;
  /** `booting`, then `standby` once it can take a slot at once. */
  readonly state: GroupView['spares'][number]['state'];
  /** Booted with the app's entry imported (`spares.preload`). */
  readonly preload: boolean;
  /** The group's rollout it was booted for (see WorkerStatus.rollout). */
  readonly rollout: number;
  readonly startedAt: string;
  /** Resident memory in bytes, from its last heartbeat; null before its first. */
  readonly rss: number | null;
}

export interface LastExitStatus extends ExitFacts {
  readonly worker: number;
  readonly index: number;
  readonly at: string;
  /** The fields above in one line: `exit code 1: Error: listen EADDRINUSE: address already in use 0.0.0.0:4150`. */
  readonly reason: string;
}

export interface WorkerStatus {
  readonly id: number;
  readonly pid: number | null;
  readonly index: number;
  readonly state: GroupView['workers'][number]['state'];
  readonly restarts: number;
  readonly startedAt: string;
  /**
   * The group's rollout this worker was started for: 1 at first, +1 for each roll; an aborted roll returns to
   * the number it rolled back to. Not `config.generation`, which counts applied configs.
   */
  readonly rollout: number;
  /** Resident memory in bytes, from the worker's last heartbeat; null before its first. */
  readonly rss: number | null;
  /** CPU time used (user + system) in seconds, read from /proc; null where unavailable. */
  readonly cpuSeconds: number | null;
  /** Mean event-loop delay over the second before the worker's last heartbeat, in ms; null before its first. */
  readonly loopDelayMs: number | null;
  /**
   * While the worker drains: how many long-lived connections (WebSocket, server-sent event streams, HTTP/2
   * sessions) it still holds, as it last reported; null otherwise.
   */
  readonly longLived: number | null;
  /** The worker's HTTP request counters from its last heartbeat, when they are kept (`metrics.http`). */
  readonly http?: HttpStats | null;
}

export interface StatusInputs {
  readonly pid: number;
  readonly socket: string;
  readonly config: StatusJson['config'];
  readonly groups: readonly GroupView[];
  readonly scheduling: (group: string) => Scheduling | null;
  readonly lastReload: (group: string) => LastReload | null;
  readonly auto?: (group: string) => AutoSettings | undefined;
  readonly rss: (worker: number) => number | null;
  readonly cpuSeconds: (pid: number) => number | null;
  readonly loopDelayMs?: (worker: number) => number | null;
  readonly longLived?: (worker: number) => number | null;
  readonly http?: (worker: number) => HttpStats | null;
}

export function buildStatus(inputs: StatusInputs): StatusJson {
  return {
    pid: inputs.pid,
    socket: inputs.socket,
    config: inputs.config,
    groups: inputs.groups.map((group) => ({
      name: group.name,
      state: group.state,
      scheduling: inputs.scheduling(group.name),
      desired: group.desired,
      ready: group.workers.filter((worker) => worker.state === 'ready').length,
      lastReload: inputs.lastReload(group.name),
      scaled: group.scaled === null ? null : { since: new Date(group.scaled.since).toISOString() },
      condition: group.condition,
      lastExit:
        group.lastExit === null
          ? null
          : {
              ...group.lastExit,
              at: new Date(group.lastExit.at).toISOString(),
              reason: describeExit(group.lastExit),
            },
      auto: inputs.auto?.(group.name) ?? {},
      recycled: group.recycled,
      workers: group.workers.map((worker) => ({
        id: worker.id,
        pid: worker.pid,
        index: worker.index,
        state: worker.state,
        restarts: worker.restarts,
        startedAt: new Date(worker.startedAt).toISOString(),
        rollout: worker.generation,
        rss: worker.pid === null ? null : inputs.rss(worker.id),
        cpuSeconds: worker.pid === null ? null : inputs.cpuSeconds(worker.pid),
        loopDelayMs: worker.pid === null ? null : (inputs.loopDelayMs?.(worker.id) ?? null),
        longLived: worker.state === 'draining' ? (inputs.longLived?.(worker.id) ?? null) : null,
        ...(inputs.http === undefined ? {} : { http: worker.pid === null ? null : inputs.http(worker.id) }),
      })),
      spares: group.spares.map((spare) => ({
        id: spare.id,
        pid: spare.pid,
        state: spare.state,
        preload: spare.preload,
        rollout: spare.generation,
        startedAt: new Date(spare.startedAt).toISOString(),
        rss: spare.pid === null ? null : inputs.rss(spare.id),
      })),
    })),
  };
}
