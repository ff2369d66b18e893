import { extname, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { CONFIG_LOADERS, isSupported, Loaded, LoadFailure, SUPPORTED_EXTENSIONS } from './file-loaders.ts';
import type { LoadReply, LoadRequest } from './load-protocol.ts';
import { errorMessage, toPlainData } from './plain-data.ts';
import { CONFIG_SEARCH_PLACES, MODULE_NAME } from './search-places.ts';

/**
 * Finds and reads a config into plain data. Runs inside the loader worker: it imports user code, which may
 * do anything, so nothing here is trusted to leave the process as it found it.
 */
export async function readConfig(request: LoadRequest): Promise<LoadReply> {
  const explicit = request.file === undefined ? undefined : resolve(request.cwd, request.file);
  const failed = (file: string | null, message: string, path = ''): LoadReply => ({
    kind: 'failed',
    file,
    errors: [{ file: file ?? request.cwd, path, message }],
  });
  if (explicit !== undefined && !isSupported(explicit)) {
    return failed(
      explicit,
      `unsupported config file type '${extname(explicit)}' (use ${SUPPORTED_EXTENSIONS.join(' ')})`,
    );
  }

  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    loaders: CONFIG_LOADERS,
    // An empty cluster.config.ts is a mistake to report, not a reason to go on to package.json.
    ignoreEmptySearchPlaces: false,
    searchStrategy: 'none',
    cache: false,
  });

  let found: Awaited<ReturnType<typeof explorer.search>>;
  try {
    found = explicit === undefined ? await explorer.search(request.cwd) : await explorer.load(explicit);
  } catch (error) {
    if (error instanceof LoadFailure) {
      return {
        kind: 'failed',
        file: explicit ?? error.file,
        errors: [
          { file: error.file, path: '', message: error.message, line: error.line, column: error.column },
        ],
      };
    }
    const code = (error as NodeJS.ErrnoException).code;
    const file = explicit ?? (error as { filepath?: string }).filepath ?? null;
    if (code === 'ENOENT') return failed(file, 'file not found');
    if (code === 'EISDIR') return failed(file, 'is a folder, not a config file');
    return failed(file, `cannot read: ${errorMessage(error)}`);
  }

  if (found === null) {
    return failed(
      null,
      `no config file found (looked for ${CONFIG_SEARCH_PLACES.slice(0, 8).join(', ')}, then package.json "${MODULE_NAME}" and .${MODULE_NAME}rc*); run \`orchestrator init\` to create one`,
    );
  }
  const file = found.filepath;
  if (found.isEmpty || !(found.config instanceof Loaded)) return failed(file, 'the file is empty');

  let value = found.config.value;
  if (found.config.kind === 'module') {
    try {
      // An async config (`export default loadSecrets().then(...)`) is awaited, under the caller's timeout.
      if (isThenable(value)) value = await value;
    } catch (error) {
      return failed(file, `the default export rejected: ${errorMessage(error)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const what = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
      return failed(
        file,
        `the default export must be an object (\`defineConfig({ groups: { ... } })\`), got ${what}`,
      );
    }
  } else if (value === null || value === undefined) {
    return failed(file, 'the file is empty');
  }

  const plain = toPlainData(value);
  if (!plain.ok) return { kind: 'failed', file, errors: plain.problems.map((p) => ({ file, ...p })) };
  return { kind: 'loaded', file, data: plain.value };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
