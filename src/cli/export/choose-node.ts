import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, sep } from 'node:path';

/** The oldest Node the package supports (package.json engines). */
export const MIN_NODE: readonly [number, number] = [22, 18];

export interface NodeProbe {
  /** `node --version` of a binary (`v24.1.0`), or null when it does not run. */
  version(binary: string): string | null;
  /** Whether a file exists and may be executed. */
  executable(file: string): boolean;
}

export interface NodeChoice {
  readonly node: string;
  readonly version: string | null;
  /** Why this one, for the note printed beside the unit. */
  readonly why: string;
  /** Set when the choice will likely not survive on the server. */
  readonly warning: string | null;
}

/**
 * The `node` a service should run: the first one on PATH that is recent enough and not inside a
 * `node_modules` folder, since a project-local Node (the `node` devDependency) is gone after
 * `npm ci --omit=dev`. The node running this command is only the fallback, with a warning.
 */
export function chooseNode(pathVar: string, execPath: string, probe: NodeProbe): NodeChoice {
  const tooOld: string[] = [];
  for (const folder of pathVar.split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, 'node');
    if (projectLocal(candidate) || !probe.executable(candidate)) continue;
    const version = probe.version(candidate);
    if (version === null) continue;
    if (!supported(version)) {
      tooOld.push(`${candidate} is ${version}`);
      continue;
    }
    return { node: candidate, version, why: 'the first node on PATH', warning: null };
  }
  const version = probe.version(execPath);
  const old =
    tooOld.length === 0 ? '' : ` (on PATH, ${tooOld.join(', ')}: older than v${MIN_NODE.join('.')})`;
  if (!projectLocal(execPath)) {
    return {
      node: execPath,
      version,
      why: 'the node running this command',
      warning: old === '' ? null : `no recent node on PATH${old}`,
    };
  }
  return {
    node: execPath,
    version,
    why: 'the node running this command',
    warning: `it is inside node_modules (a project-local install), gone after \`npm ci --omit=dev\`: install Node >= ${MIN_NODE.join('.')} on the server and edit ExecStart${old}`,
  };
}

function projectLocal(file: string): boolean {
  return file.split(sep).includes('node_modules');
}

function supported(version: string): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (match === null) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/** The real probe: runs the binary. */
export const SYSTEM_PROBE: NodeProbe = {
  version(binary) {
    const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return result.status === 0 ? result.stdout.trim() : null;
  },
  executable(file) {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};
