import { availableParallelism } from 'node:os';

/** `'auto'` is one worker per core the process may use; it stays `'auto'` in the config so a diff ignores the host. */
export function resolveCount(count: number | 'auto'): number {
  return count === 'auto' ? availableParallelism() : count;
}
