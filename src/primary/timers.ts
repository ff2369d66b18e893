/**
 * The engine's timers, counted down for real. The engine names each timer by key and gives an absolute
 * due time on its clock; this module only turns that into setTimeout and reports the key back when due.
 * Re-setting a key replaces the earlier timer, as the engine's contract says.
 */
export interface Timers {
  set(key: string, at: number): void;
  cancel(key: string): void;
  cancelAll(): void;
  readonly size: number;
}

export function createTimers(now: () => number, fired: (key: string) => void): Timers {
  const pending = new Map<string, NodeJS.Timeout>();
  return {
    set(key, at) {
      const previous = pending.get(key);
      if (previous) clearTimeout(previous);
      const handle = setTimeout(
        () => {
          pending.delete(key);
          fired(key);
        },
        Math.max(0, at - now()),
      );
      pending.set(key, handle);
    },
    cancel(key) {
      const handle = pending.get(key);
      if (!handle) return;
      clearTimeout(handle);
      pending.delete(key);
    },
    cancelAll() {
      for (const handle of pending.values()) clearTimeout(handle);
      pending.clear();
    },
    get size() {
      return pending.size;
    },
  };
}
