import { type AutoSettings, resolveAutoSettings } from '../config/auto-settings.ts';
import { resolveCount } from '../config/count.ts';
import { groupRevision } from '../config/diff.ts';
import type { ClusterConfig, GroupConfig } from '../config/schema.ts';
import type { GroupSpec } from '../policies/types.ts';
import { ENV_HTTP_STATS } from '../worker/protocol.ts';
import type { Scheduling } from './hosts/types.ts';

/** How to start a worker of one group at one revision. */
export interface Launch {
  readonly entry: string;
  readonly args: readonly string[];
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly scheduling: Scheduling;
}

/** What a worker's `drain` message carries from its group's `shutdown` settings. */
export interface DrainSettings {
  readonly timeoutMs: number;
  readonly spreadMs: number;
}

/**
 * The shell's side of the config: the engine knows a group's revision only as an opaque string, and this
 * table maps it back to the settings to fork with.
 */
export class LaunchTable {
  readonly #launches = new Map<string, Map<string, Launch>>();
  readonly #drain = new Map<string, DrainSettings>();
  readonly #recycleOnRequests = new Set<string>();
  /** The revision of each group in the last applied config, kept whatever `retain` is told (see there). */
  #applied = new Map<string, string>();

  /** Records the config's launch settings and returns the engine's view of each group. */
  apply(config: ClusterConfig): Record<string, GroupSpec> {
    const specs: Record<string, GroupSpec> = {};
    this.#applied = new Map();
    const auto = resolveAutoSettings(config);
    for (const [name, group] of Object.entries(config.groups)) {
      const revision = groupRevision(group);
      this.#applied.set(name, revision);
      const resolved = auto[name];
      this.#remember(name, revision, group, config.metrics.http || group.recycle.afterRequests > 0);
      this.#drain.set(name, {
        timeoutMs: group.shutdown.timeoutMs,
        spreadMs: group.shutdown.longLived.spreadMs,
      });
      if (group.recycle.afterRequests > 0) this.#recycleOnRequests.add(name);
      else this.#recycleOnRequests.delete(name);
      specs[name] = toGroupSpec(group, revision, resolved);
    }
    return specs;
  }

  /**
   * Forgets every revision the engine can no longer fork: `inUse` (from `revisionsInUse`) lists, per group,
   * the ones a live worker, the current generation, a pending roll or a rollback still refers to. However
   * many edits were saved during one roll, the settings a rollback goes back to are kept. The last applied
   * config's revisions are always kept: the engine may not have seen that config yet (an apply made while
   * it is stepping waits its turn).
   */
  retain(inUse: ReadonlyMap<string, ReadonlySet<string>>): void {
    for (const [group, revisions] of this.#launches) {
      const keep = inUse.get(group);
      const applied = this.#applied.get(group);
      for (const revision of revisions.keys()) {
        if (revision !== applied && keep?.has(revision) !== true) revisions.delete(revision);
      }
      if (revisions.size === 0) this.#launches.delete(group);
    }
  }

  get(group: string, revision: string): Launch | undefined {
    return this.#launches.get(group)?.get(revision);
  }

  /** The scheduling of the group's latest revision (a removed group keeps its last one). */
  scheduling(group: string): Scheduling | undefined {
    const revisions = this.#launches.get(group);
    if (revisions === undefined) return undefined;
    let latest: Launch | undefined;
    for (const launch of revisions.values()) latest = launch;
    return latest?.scheduling;
  }

  /** Whether the engine needs the group's request counts (`recycle.afterRequests`). */
  recyclesOnRequests(group: string): boolean {
    return this.#recycleOnRequests.has(group);
  }

  /** The group's `shutdown` settings a draining worker budgets with (the engine kills it after `timeoutMs`). */
  drain(group: string): DrainSettings | undefined {
    return this.#drain.get(group);
  }

  #remember(name: string, revision: string, group: GroupConfig, countRequests: boolean): void {
    let revisions = this.#launches.get(name);
    if (!revisions) {
      revisions = new Map();
      this.#launches.set(name, revisions);
    }
    revisions.set(revision, {
      entry: group.entry,
      args: group.args,
      execArgv: group.execArgv,
      // Only then does the runtime subscribe to the HTTP channels: otherwise it adds nothing to a request.
      env: countRequests ? { ...group.env, [ENV_HTTP_STATS]: '1' } : group.env,
      scheduling: group.scheduling,
    });
  }
}

/** `auto` holds what the group's `'auto'` settings resolved to (see resolveAutoSettings). */
export function toGroupSpec(group: GroupConfig, revision: string, auto: AutoSettings = {}): GroupSpec {
  const { heartbeatTimeoutMs, maxMemoryMb } = group.health;
  return {
    count: group.count === 'auto' ? (auto.count?.value ?? resolveCount('auto')) : group.count,
    revision,
    ready: group.ready,
    backoff: group.backoff,
    restart: group.restart,
    reload: group.reload,
    shutdown: group.shutdown,
    // 'auto' unresolved (no reading of the machine) means no limit.
    health: {
      heartbeatTimeoutMs,
      maxMemoryMb: maxMemoryMb === 'auto' ? (auto.maxMemoryMb?.value ?? 0) : maxMemoryMb,
    },
    recycle: group.recycle,
    spares: group.spares,
  };
}
