/**
 * The engine's timers, counted down for real. The engine names each timer by key and gives an absolute
 * due time on its clock; this module only turns that into setTimeout and reports the key back when due.
 * Re-setting a key replaces the earlier timer, as the engine's contract says.
 *
 * A due timer is reported one loop turn late, after the I/O that is already waiting has been read. Why: when
 * this process stood still (SIGSTOP, a blocked loop, a starved machine), the event loop comes back in its
 * timers phase, before the poll phase reads the pipes. The heartbeats and ready messages workers sent during
 * the stall are sitting there; reporting a heartbeat deadline before reading them would kill every worker for
 * a silence that was the primary's own. Example: heartbeat timeout 3 s, the primary blocked 4 s, the worker
 * beat every second meanwhile: the deadline fires in the timers phase, the beats are read in the poll phase
 * of the same turn, and the deferred report (check phase) finds a fresh beat, so the engine waits again.
 */
export interface Timers {
  set(key: string, at: number): void;
  cancel(key: string): void;
  cancelAll(): void;
  readonly size: number;
}

type Pending =
  | { readonly kind: 'timeout'; readonly handle: NodeJS.Timeout }
  | { readonly kind: 'immediate'; readonly handle: NodeJS.Immediate };

export function createTimers(now: () => number, fired: (key: string) => void): Timers {
  const pending = new Map<string, Pending>();
  const clear = (entry: Pending) => {
    if (entry.kind === 'timeout') clearTimeout(entry.handle);
    else clearImmediate(entry.handle);
  };
  return {
    set(key, at) {
      const previous = pending.get(key);
      if (previous) clear(previous);
      const handle = setTimeout(
        () => {
          const report = setImmediate(() => {
            pending.delete(key);
            fired(key);
          });
          pending.set(key, { kind: 'immediate', handle: report });
        },
        Math.max(0, at - now()),
      );
      pending.set(key, { kind: 'timeout', handle });
    },
    cancel(key) {
      const entry = pending.get(key);
      if (!entry) return;
      clear(entry);
      pending.delete(key);
    },
    cancelAll() {
      for (const entry of pending.values()) clear(entry);
      pending.clear();
    },
    get size() {
      return pending.size;
    },
  };
}
