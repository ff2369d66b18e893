import { type Capacity, type Resolved, readCapacity } from './container-limits.ts';

/**
 * `'auto'` is one worker per CPU the process may use (see readCapacity); it stays `'auto'` in the config so a
 * diff ignores the host.
 */
export function resolveCount(count: number | 'auto', capacity: () => Capacity = readCapacity): number {
  return count === 'auto' ? capacity().cpus.value : count;
}

/**
 * The share of the container's memory limit that `health.maxMemoryMb: 'auto'` divides among the workers of
 * all groups; the rest is headroom for the primary and for the extra worker a replacement starts first.
 */
export const AUTO_MEMORY_SHARE = 0.8;

/**
 * `health.maxMemoryMb: 'auto'` = floor(limit × 0.8 / workers) in MB, where workers is the desired count of
 * every group together (at least 1). Without a memory limit it is 0: the check is off.
 */
export function resolveMaxMemoryMb(capacity: Capacity, workers: number): Resolved {
  const limit = capacity.memoryBytes;
  if (limit.value === 0) return { value: 0, reason: `off: ${limit.reason}` };
  const share = Math.floor((limit.value * AUTO_MEMORY_SHARE) / Math.max(1, workers) / (1024 * 1024));
  return { value: Math.max(1, share), reason: `${AUTO_MEMORY_SHARE} × ${limit.reason} / ${workers} workers` };
}
