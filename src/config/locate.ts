import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_SEARCH_PLACES, MODULE_NAME } from './search-places.ts';

/**
 * The config file `up` would use, found without running it: the same search places in the same order, with
 * package.json counted only when it has the `orchestrator` key. The control commands (`status`, `reload`,
 * ...) use it to find the socket of the cluster started from that file, so they never execute config code.
 * With `walkUp`, a folder without one is followed by its parent, up to the root, the way `git` finds its
 * repository: `status` works from any subfolder of the project (and finds the nearest config first).
 * Returns the absolute path as given or found, symlinks NOT resolved (as `up` names its socket: a link
 * retargeted since must still find the cluster), or null when no file is found.
 */
export function locateConfigFile(options: {
  file?: string | undefined;
  cwd: string;
  walkUp?: boolean;
}): string | null {
  if (options.file !== undefined) {
    return resolve(options.cwd, options.file);
  }
  for (let folder = resolve(options.cwd); ; folder = dirname(folder)) {
    const found = configIn(folder);
    if (found !== null || options.walkUp !== true || dirname(folder) === folder) return found;
  }
}

function configIn(folder: string): string | null {
  for (const place of CONFIG_SEARCH_PLACES) {
    const candidate = join(folder, place);
    if (!existsSync(candidate)) continue;
    if (place === 'package.json' && !hasOwnKey(candidate, MODULE_NAME)) continue;
    return candidate;
  }
  return null;
}

function hasOwnKey(packageJson: string, key: string): boolean {
  try {
    const data: unknown = JSON.parse(readFileSync(packageJson, 'utf8'));
    return typeof data === 'object' && data !== null && Object.hasOwn(data, key);
  } catch {
    return false;
  }
}
