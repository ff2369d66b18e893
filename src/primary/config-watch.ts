import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface ConfigWatch {
  close(): void;
}

/** Quiet time after the last change before the file is read: editors write in bursts. */
export const DEBOUNCE_MS = 150;

/**
 * Calls `changed` once a burst of writes to `file` has settled. Watches the folder and filters by name
 * rather than watching the file: an editor's atomic save replaces the file (write a temp file, rename it
 * over), after which a watch on the old file goes silent for good.
 */
export function watchConfigFile(file: string, changed: () => void, debounceMs = DEBOUNCE_MS): ConfigWatch {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, filename) => {
    // Some platforms do not say which file changed: then any change in the folder counts.
    if (filename !== null && filename.toString() !== name) return;
    clearTimeout(timer);
    timer = setTimeout(changed, debounceMs);
  });
  // A watcher error (the folder was removed) must not crash the primary; edits simply stop being seen.
  watcher.on('error', () => watcher.close());
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
