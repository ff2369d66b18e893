import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, parse, resolve, sep } from 'node:path';

/** Symlink hops followed before giving up, as the kernel does (ELOOP). */
const MAX_HOPS = 40;

/** Where a path leads: the real file (null when a component is missing) and the folders deciding that. */
export interface LinkChain {
  readonly real: string | null;
  /**
   * Real folders, each once: the one holding every symlink met on the way (in any component of the path)
   * and the real file's; when a component is missing, the deepest folder that exists (it shows up there).
   */
  readonly folders: readonly string[];
}

/**
 * Follows `file` (absolute, as given) one component and one link at a time, as the kernel does.
 * Example: /cfg/cluster.config.json -> ..data/cluster.config.json, /cfg/..data -> ..v1:
 * real /cfg/..v1/cluster.config.json, folders [/cfg, /cfg/..v1].
 */
export function linkChain(file: string): LinkChain {
  const absolute = resolve(file);
  const folders = new Set<string>();
  const { root } = parse(absolute);
  let current = root;
  let pending = absolute.slice(root.length).split(sep).filter(Boolean);
  let hops = 0;
  while (pending.length > 0) {
    const [part, ...rest] = pending as [string, ...string[]];
    const next = join(current, part);
    let link: string | null;
    try {
      link = lstatSync(next).isSymbolicLink() ? readlinkSync(next) : null;
    } catch {
      folders.add(current);
      return { real: null, folders: [...folders] };
    }
    if (link === null) {
      // `current` never holds a link, so a `..` in a link's target is resolved correctly by `join`.
      current = next;
      pending = rest;
      continue;
    }
    folders.add(current);
    if (++hops > MAX_HOPS) return { real: null, folders: [...folders] };
    if (isAbsolute(link)) current = parse(link).root;
    pending = [...link.split(sep).filter(Boolean), ...rest];
  }
  folders.add(dirname(current));
  return { real: current, folders: [...folders] };
}

/** What identifies one version of the file a path leads to; null when there is none. */
export type ConfigFingerprint = string | null;

/** The real path, device, inode, size and times of the file `file` leads to now (following every link). */
export function fingerprint(file: string): ConfigFingerprint {
  try {
    const stat = statSync(file, { bigint: true });
    if (!stat.isFile()) return null;
    return [realpathSync(file), stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join(':');
  } catch {
    return null;
  }
}
