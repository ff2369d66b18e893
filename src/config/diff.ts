import { createHash } from 'node:crypto';
import type { ClusterConfig, GroupConfig } from './schema.ts';

/** Keys whose change needs new worker processes: they shape how a worker is forked. */
export const RESTART_KEYS = ['entry', 'args', 'execArgv', 'env', 'scheduling'] as const;
/** Keys that change how the primary treats workers, applied without touching running processes. */
export const POLICY_KEYS = [
  'backoff',
  'restart',
  'reload',
  'shutdown',
  'health',
  'ready',
  'recycle',
  'spares',
] as const;

export type RestartKey = (typeof RESTART_KEYS)[number];
export type PolicyKey = (typeof POLICY_KEYS)[number];

export type GroupChange =
  | { kind: 'added' }
  | { kind: 'removed' }
  | { kind: 'changed'; count: boolean; restart: RestartKey[]; policy: PolicyKey[] };

export interface ConfigDiff {
  /** Only groups that differ; an unchanged group has no entry. */
  groups: Record<string, GroupChange>;
  watch: boolean;
  /** The metrics endpoint's settings differ: they are read once, when `up` starts. */
  metrics: boolean;
}

/**
 * What changed between two validated configs, per group. `count: 'auto'` compares as written, so the same
 * file diffs as unchanged on any host.
 */
export function diffConfigs(before: ClusterConfig, after: ClusterConfig): ConfigDiff {
  const groups: Record<string, GroupChange> = {};
  for (const name of Object.keys(before.groups))
    if (!Object.hasOwn(after.groups, name)) groups[name] = { kind: 'removed' };
  for (const [name, next] of Object.entries(after.groups)) {
    const previous = Object.hasOwn(before.groups, name) ? before.groups[name] : undefined;
    if (previous === undefined) {
      groups[name] = { kind: 'added' };
      continue;
    }
    const restart = RESTART_KEYS.filter((key) => canonical(previous[key]) !== canonical(next[key]));
    const policy = POLICY_KEYS.filter((key) => canonical(previous[key]) !== canonical(next[key]));
    const count = previous.count !== next.count;
    if (count || restart.length > 0 || policy.length > 0)
      groups[name] = { kind: 'changed', count, restart, policy };
  }
  return {
    groups,
    watch: before.watch !== after.watch,
    metrics: canonical(before.metrics) !== canonical(after.metrics),
  };
}

/**
 * A fingerprint of what a worker process is started with (entry, args, execArgv, env, scheduling): equal
 * fingerprints mean running workers are still current. Key order in `env` does not matter.
 */
export function groupRevision(group: GroupConfig): string {
  const fields = Object.fromEntries(RESTART_KEYS.map((key) => [key, group[key]]));
  return createHash('sha256').update(canonical(fields)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so `{ a, b }` and `{ b, a }` compare equal; array order is kept (it matters). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
