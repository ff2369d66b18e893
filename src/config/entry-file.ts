import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** An entry path as written, resolved against the folder of the config file that names it. */
export function resolveEntry(entry: string, configFile: string): string {
  return resolve(dirname(configFile), entry);
}

/** Why the resolved entry cannot be run, or null when it is an existing file. */
export function entryProblem(absolute: string): string | null {
  try {
    return statSync(absolute).isFile() ? null : `${absolute} is not a file`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? `${absolute} does not exist`
      : `${absolute} cannot be read (${code})`;
  }
}
