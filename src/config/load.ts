import { fork } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notConfigLike } from './config-name.ts';
import type { ConfigError } from './errors.ts';

export { type ConfigError, formatConfigError } from './errors.ts';

import type { LoadRequest, ValidatedReply } from './load-protocol.ts';
import type { LoaderMessage } from './load-worker.ts';
import { errorMessage } from './plain-data.ts';
import type { ClusterConfig } from './schema.ts';

export interface LoadOptions {
  /** The config file (`-c FILE`), relative to `cwd`; without it the config is searched for in `cwd`. */
  file?: string | undefined;
  /** Where to search and what `file` is relative to; default `process.cwd()`. */
  cwd?: string | undefined;
  /** How long the config may take to import and settle; default 10 s. */
  timeoutMs?: number | undefined;
}

export type LoadResult =
  | { ok: true; config: ClusterConfig; file: string }
  | { ok: false; file: string | null; errors: ConfigError[] };

export const DEFAULT_LOAD_TIMEOUT_MS = 10_000;

// The loader script sits next to this module with the same extension: `.ts` when run from src/ under type
// stripping (tests), `.js` from the compiled dist/.
const LOADER = fileURLToPath(
  new URL(`./load-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/**
 * Finds, reads and validates the config. The file is imported in a short-lived child process, so each call
 * sees the file as it is now (with the files it imports), and a config that throws, hangs or exits yields
 * errors instead of hurting the caller. Never rejects.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadResult> {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file === undefined ? undefined : resolve(cwd, options.file);
  const refused = file === undefined ? null : notConfigLike(file);
  if (file !== undefined && refused !== null) {
    return { ok: false, file, errors: [{ file, path: '', message: refused }] };
  }
  const reply = await readInWorker({ file, cwd }, options.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS);
  return reply.kind === 'failed'
    ? { ok: false, file: reply.file, errors: reply.errors }
    : { ok: true, config: reply.config, file: reply.file };
}

function readInWorker(request: LoadRequest, timeoutMs: number): Promise<ValidatedReply> {
  const where = request.file ?? request.cwd;
  const failed = (message: string): ValidatedReply => ({
    kind: 'failed',
    file: request.file ?? null,
    errors: [{ file: where, path: '', message }],
  });
  const cwd = loaderCwd(request);
  if (cwd === null) return Promise.resolve(failed('file not found (its folder is gone)'));
  return new Promise((resolve) => {
    let loader: ReturnType<typeof fork>;
    try {
      // Structured clone, as between threads: a config value JSON cannot carry still arrives as it was.
      loader = fork(LOADER, [JSON.stringify(request)], {
        cwd,
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
    } catch (error) {
      resolve(failed(`could not start the config loader: ${errorMessage(error)}`));
      return;
    }
    let settled = false;
    const settle = (reply: ValidatedReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(reply);
      // The config may have left timers or sockets behind; they go with the process.
      loader.kill('SIGKILL');
    };
    const timer = setTimeout(
      () =>
        settle(
          failed(
            `did not finish loading within ${timeoutMs} ms (does it wait for something that never happens?)`,
          ),
        ),
      timeoutMs,
    );
    loader.once('message', (message: LoaderMessage) =>
      settle(
        message.kind === 'crashed' ? failed(`the config crashed its loader: ${message.message}`) : message,
      ),
    );
    loader.once('error', (error) =>
      settle(failed(`could not start the config loader: ${errorMessage(error)}`)),
    );
    loader.once('exit', (code, signal) =>
      settle(
        failed(
          code === 0
            ? 'the config never finished loading: it awaits a promise that can never settle (or calls process.exit())'
            : `the config ended its loader with ${code === null ? `signal ${signal}` : `exit code ${code}`} (process.exit() in the config?)`,
        ),
      ),
    );
  });
}

/**
 * Where the loader runs: `request.cwd` named explicitly, not inherited. A child started in a folder that was
 * removed (the primary's working folder, often the config's own, deleted and created again) cannot even ask
 * for its working folder, so no config could be read there again; by path it starts in the folder as it is
 * now. When that folder is gone, the config file's folder; null when both are gone (so is the file).
 */
function loaderCwd(request: LoadRequest): string | null {
  if (isFolder(request.cwd)) return request.cwd;
  if (request.file !== undefined && isFolder(dirname(request.file))) return dirname(request.file);
  return null;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
