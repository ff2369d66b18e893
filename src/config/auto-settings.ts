import { type Capacity, type Resolved, readCapacity } from './container-limits.ts';
import { resolveMaxMemoryMb } from './count.ts';
import type { ClusterConfig } from './schema.ts';

/** What each `'auto'` of one group resolved to, and why (absent keys were not `'auto'`). */
export interface AutoSettings {
  readonly count?: Resolved;
  readonly maxMemoryMb?: Resolved;
}

/**
 * Resolves every `'auto'` of a config against one reading of the machine, so the memory share is divided
 * by the same worker count the groups run.
 */
export function resolveAutoSettings(
  config: Pick<ClusterConfig, 'groups'>,
  capacity: Capacity = readCapacity(),
): Record<string, AutoSettings> {
  const groups = Object.entries(config.groups);
  const workers = groups.reduce(
    (sum, [, group]) => sum + (group.count === 'auto' ? capacity.cpus.value : group.count),
    0,
  );
  const settings: Record<string, AutoSettings> = {};
  for (const [name, group] of groups) {
    settings[name] = {
      ...(group.count === 'auto' ? { count: capacity.cpus } : {}),
      ...(group.health.maxMemoryMb === 'auto' ? { maxMemoryMb: resolveMaxMemoryMb(capacity, workers) } : {}),
    };
  }
  return settings;
}

/** `count auto = 2 (cgroup cpu.max 200000/100000)`, one line per resolved key. */
export function describeAutoSettings(settings: AutoSettings): string[] {
  return Object.entries(settings).map(
    ([key, resolved]) => `${key} auto = ${resolved.value} (${resolved.reason})`,
  );
}
