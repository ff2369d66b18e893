import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type ConfigFingerprint, fingerprint, linkChain } from './config-link.ts';

export interface ConfigWatch {
  close(): void;
}

export interface ConfigWatchOptions {
  /** Quiet time after the last change before the file is read: editors write in bursts. */
  readonly debounceMs?: number;
  /** How often the file is checked even without an event (the backstop; see below). */
  readonly pollMs?: number;
  /** Called once when the file goes away (deleted, or its folder removed or renamed); `changed` follows once it is back. */
  readonly gone?: () => void;
}

export const DEBOUNCE_MS = 150;
export const POLL_MS = 1000;

/**
 * Calls `changed` once a burst of changes to `file` has settled: a save in place, an atomic save (rename
 * over), a delete followed by a create, and a change anywhere on its symlink chain: a Kubernetes ConfigMap
 * (`cluster.config.json -> ..data/cluster.config.json`, `..data` swapped atomically) or a deploy tool's
 * `current -> releases/N` retargeted. `file` is the path as the user gave it, followed afresh every time.
 *
 * Watches real folders, not the file (a watch on a replaced file goes silent for good, and one on a path
 * through a link stays on the folder the link led to when it was made): the folder of every link on the way
 * to the real file and the real file's folder, re-armed whenever that chain changes. An event for the real
 * file itself always counts (a save in place can leave size and times as they were); any other event, and a poll every `pollMs` (inotify cannot see through every link swap,
 * nor a folder created again), count only when the file's fingerprint (real path, device, inode, size,
 * times) changed. A missing file is not an edit: `changed` comes once it is there again.
 */
export function watchConfigFile(
  file: string,
  changed: () => void,
  options: ConfigWatchOptions = {},
): ConfigWatch {
  const debounceMs = options.debounceMs ?? DEBOUNCE_MS;
  const watchers = new Map<string, FSWatcher>();
  let last: ConfigFingerprint = fingerprint(file);
  let timer: NodeJS.Timeout | undefined;
  let force = false;
  let closed = false;

  const check = (): void => {
    if (closed) return;
    const forced = force;
    force = false;
    timer = undefined;
    arm();
    const now = fingerprint(file);
    if (now === null) {
      const was = last;
      last = null;
      if (was !== null) options.gone?.();
      return;
    }
    if (!forced && now === last) return;
    last = now;
    changed();
  };

  const settle = (forced: boolean): void => {
    force ||= forced;
    clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
  };

  // The real file's folder and name: events for it always count.
  let home = '';
  let name = '';
  const arm = (): void => {
    const chain = linkChain(file);
    home = chain.real === null ? '' : dirname(chain.real);
    name = chain.real === null ? '' : basename(chain.real);
    const wanted = new Set(chain.folders);
    for (const [folder, watcher] of watchers) {
      if (wanted.has(folder)) continue;
      watcher.close();
      watchers.delete(folder);
    }
    for (const folder of wanted) {
      if (watchers.has(folder)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(folder, { persistent: false }, (_event, filename) =>
          // Some platforms do not say which file changed: then the fingerprint decides.
          settle(folder === home && filename !== null && filename.toString() === name),
        );
      } catch {
        // The folder is gone (or not ours to watch): the poll re-arms once it is back.
        continue;
      }
      // A watcher error (the folder was removed) must not crash the primary; the poll re-arms it.
      watcher.on('error', () => {
        watcher.close();
        if (watchers.get(folder) === watcher) watchers.delete(folder);
      });
      watchers.set(folder, watcher);
    }
  };

  arm();
  // Not while a burst is settling: its own check comes at the end of it.
  const poll = setInterval(() => timer === undefined && check(), options.pollMs ?? POLL_MS);
  poll.unref();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
