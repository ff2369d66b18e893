import type { WorkerId } from '../policies/types.ts';
import type { ClusterHost } from './hosts/types.ts';
import { ExitLine } from './logging/exit-line.ts';

/** What the shell must remember about a live worker process; its lifecycle state is the engine's. */
export interface WorkerEntry {
  readonly host: ClusterHost;
  readonly group: string;
  /** Its slot; -1 for a spare until it is activated. */
  index: number;
  pid: number | null;
  /**
   * The worker has shown that its runtime listens for messages (it sent one, or its app listens, which runs
   * after the runtime is installed). Until then a message sent to it may be lost: Node drops IPC messages
   * that arrive before the first 'message' listener, and the runtime's is added only once it is loaded.
   */
  heard: boolean;
  /** A spare activated before it was heard: the slot to send it once it is (see `heard`). */
  pendingActivate: number | null;
  /** Resident memory from its last heartbeat, in bytes (0 until the first); shown in status. */
  rss: number;
  /** Long-lived connections the worker still holds while draining (its last `drain-progress`); null before. */
  longLived: number | null;
  /** Settles when the worker's stdout/stderr have been read to the end. */
  readonly output: Promise<void>[];
  /** What its stderr said that may explain its exit. */
  readonly exitLine: ExitLine;
}

export class WorkerRegistry {
  readonly #entries = new Map<WorkerId, WorkerEntry>();

  add(id: WorkerId, init: Pick<WorkerEntry, 'host' | 'group' | 'index'>): WorkerEntry {
    const entry: WorkerEntry = {
      ...init,
      pid: null,
      heard: false,
      pendingActivate: null,
      rss: 0,
      longLived: null,
      output: [],
      exitLine: new ExitLine(),
    };
    this.#entries.set(id, entry);
    return entry;
  }

  get(id: WorkerId): WorkerEntry | undefined {
    return this.#entries.get(id);
  }

  delete(id: WorkerId): void {
    this.#entries.delete(id);
  }

  entries(): IterableIterator<[WorkerId, WorkerEntry]> {
    return this.#entries.entries();
  }

  get size(): number {
    return this.#entries.size;
  }
}
