import { basename, extname, sep } from 'node:path';

/** Extensions of files that are imported (and so run) to read them; JSON and YAML are only parsed. */
const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

/**
 * Why a module given with `-c FILE` is not loaded, or null to load it. Loading a module runs it, so an app
 * given by mistake (`validate -c server.mjs`) would start serving. A config's path says it is one: its name
 * or a folder on its path has `config` in it (`cluster.config.ts`, `prod.config.mjs`, `config/cluster.ts`),
 * or it is an `.orchestratorrc` file.
 */
export function notConfigLike(file: string): string | null {
  if (!MODULE_EXTENSIONS.has(extname(file).toLowerCase())) return null;
  if (basename(file).toLowerCase().startsWith('.orchestratorrc')) return null;
  if (file.split(sep).some((segment) => segment.toLowerCase().includes('config'))) return null;
  return `not loaded: loading a module runs it, and nothing in its path says it is a config (an app given by mistake?); a config is named like cluster.config${extname(file)}`;
}
