import { type ConfigDiff, diffConfigs } from '../config/diff.ts';
import { type ConfigError, formatConfigError } from '../config/errors.ts';
import type { ClusterConfig } from '../config/schema.ts';

/**
 * The config the cluster runs, its generation (incremented on every applied config) and the last rejected
 * edit's message (kept until the next valid config, applied or unchanged), plus the one-at-a-time discipline for reading the
 * file again.
 */
export class LiveConfig {
  #config: ClusterConfig;
  #generation = 1;
  #error: string | null = null;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(initial: ClusterConfig) {
    this.#config = initial;
  }

  get config(): ClusterConfig {
    return this.#config;
  }

  get generation(): number {
    return this.#generation;
  }

  get error(): string | null {
    return this.#error;
  }

  /**
   * Takes a valid `next` as the running config. `diff` is what changed, or null when nothing did and `force`
   * is false (a save that changed nothing is not a new generation). Any valid config clears the last rejection,
   * changed or not (an edit reverted to what runs is a valid save too): `cleared` is that rejection's message.
   */
  accept(
    next: ClusterConfig,
    force: boolean,
  ): { readonly diff: ConfigDiff | null; readonly cleared: string | null } {
    const cleared = this.#error;
    this.#error = null;
    const diff = diffConfigs(this.#config, next);
    if (!force && Object.keys(diff.groups).length === 0 && !diff.watch && !diff.metrics)
      return { diff: null, cleared };
    this.#config = next;
    this.#generation += 1;
    return { diff, cleared };
  }

  /** Records a rejected config; returns its message as `status` shows it. */
  reject(errors: readonly ConfigError[]): string {
    this.#error = errors.map(formatConfigError).join('\n');
    return this.#error;
  }

  /** Runs `task` after every task queued before it has finished, and returns its result. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(task, task);
    this.#chain = run.catch(() => {});
    return run;
  }

  /**
   * A trigger for `task` that coalesces: calls while a run is waiting add nothing, and a call while one is
   * running queues exactly one more, so the last call is always followed by a full run.
   */
  serialized(task: () => Promise<void>): () => void {
    let waiting = false;
    return () => {
      if (waiting) return;
      waiting = true;
      void this.exclusive(async () => {
        waiting = false;
        await task();
      });
    };
  }
}
