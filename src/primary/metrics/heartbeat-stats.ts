import type { WorkerId } from '../../policies/types.ts';
import type { WorkerMessage } from '../../worker/protocol.ts';

export type Heartbeat = Extract<WorkerMessage, { orchestrator: 'heartbeat' }>;

/**
 * The last heartbeat of each worker: one map write per worker per second, read only on a scrape. Workers that
 * are gone are dropped at the next scrape (`retain`), so the map never outgrows the live workers by much.
 */
export class HeartbeatStats {
  readonly #last = new Map<WorkerId, Heartbeat>();

  record(worker: WorkerId, beat: Heartbeat): void {
    this.#last.set(worker, beat);
  }

  get(worker: WorkerId): Heartbeat | undefined {
    return this.#last.get(worker);
  }

  retain(live: ReadonlySet<WorkerId>): void {
    for (const worker of this.#last.keys()) if (!live.has(worker)) this.#last.delete(worker);
  }
}
