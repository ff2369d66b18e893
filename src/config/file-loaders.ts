import { execFile } from 'node:child_process';
import { basename, extname } from 'node:path';
import type { Loaders } from 'cosmiconfig';
import { importAsWritten } from './module-format.ts';
import { errorMessage } from './plain-data.ts';
import { findSourcePosition, positionOfOffset } from './source-position.ts';

/**
 * What our loaders hand back to cosmiconfig: the file's value in a box. The box keeps cosmiconfig's own
 * post-processing (merging files named in a `$import` key) away from user data, so `$import` stays an
 * unknown key like any other, and it tells "exports no default" apart from "exports `undefined`".
 */
export class Loaded {
  readonly value: unknown;
  readonly kind: 'module' | 'data';
  constructor(value: unknown, kind: 'module' | 'data') {
    this.value = value;
    this.kind = kind;
  }
}

/** A file that cannot be read into a value, with the place the parser or the stack pointed at. */
export class LoadFailure extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(file: string, message: string, position?: { line: number; column?: number | undefined }) {
    super(message);
    this.file = file;
    this.line = position?.line;
    this.column = position?.column;
  }
}

const BOM = '\uFEFF';

/**
 * A UTF-8 byte order mark is accepted and ignored in every format: some Windows editors still write one,
 * and it carries no meaning in UTF-8 (Node already ignores it in modules).
 */
function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

function loadJson(file: string, content: string): unknown {
  const text = withoutBom(content);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = errorMessage(error);
    const offset = /at position (\d+)/.exec(message);
    const position = offset ? positionOfOffset(text, Number(offset[1])) : undefined;
    const clean = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/ \(line \d+ column \d+\)$/, '');
    throw new LoadFailure(file, `invalid JSON: ${clean}`, position);
  }
  if (basename(file) === 'package.json') {
    // cosmiconfig picks the `orchestrator` key out of package.json itself; box only that key.
    const own =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>).orchestrator
        : undefined;
    return own === undefined ? {} : { orchestrator: new Loaded(own, 'data') };
  }
  return new Loaded(value, 'data');
}

/**
 * The YAML parser is imported only for a YAML file: loading it costs the loader about half of its start
 * (measured with --cpu-prof, docs/benchmarks.md), which a JSON or module config should not pay.
 */
async function loadYaml(file: string, content: string): Promise<unknown> {
  const { parse: parseYaml, YAMLParseError } = await import('yaml');
  try {
    return new Loaded(parseYaml(withoutBom(content)), 'data');
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0];
      const firstLine =
        error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
      throw new LoadFailure(
        file,
        `invalid YAML: ${firstLine}`,
        where && { line: where.line, column: where.col },
      );
    }
    throw new LoadFailure(file, `invalid YAML: ${errorMessage(error)}`);
  }
}

async function loadModule(file: string): Promise<unknown> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await importAsWritten(file);
  } catch (error) {
    throw await moduleFailure(file, error);
  }
  if (!('default' in namespace)) {
    throw new LoadFailure(
      file,
      'has no default export; write `export default defineConfig({ groups: { ... } })`',
    );
  }
  return new Loaded(namespace.default, 'module');
}

/** Where and why importing a config module failed; a syntax error is located even when the stack is not. */
async function moduleFailure(file: string, error: unknown): Promise<LoadFailure> {
  const message = errorMessage(error);
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  if (error instanceof SyntaxError) {
    // TypeScript syntax errors carry the position in the stack; V8 keeps a JavaScript one private, but
    // `node --check` prints it, so ask it (only on this failure path).
    const position = findSourcePosition(stack) ?? (await checkSyntax(file));
    return new LoadFailure(position?.file ?? file, `syntax error: ${message}`, position ?? undefined);
  }
  if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
    // Mostly `cluster-orchestrator` itself, after `init` in a project that does not have it yet.
    const missing = /^Cannot find package '([^']+)'/.exec(message)?.[1];
    const hint = missing === undefined ? '' : `; install it in the project: npm i ${missing}`;
    return new LoadFailure(file, `cannot import: ${message}${hint}`);
  }
  const frame = firstFrame(stack);
  return new LoadFailure(frame?.file ?? file, `threw while loading: ${message}`, frame ?? undefined);
}

function checkSyntax(file: string): Promise<{ file: string; line: number; column?: number } | null> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--check', file], { timeout: 5_000 }, (_error, _stdout, stderr) =>
      resolve(findSourcePosition(String(stderr))),
    );
  });
}

/** The first user-code frame of a stack: `at file:///app/cluster.config.ts:3:9` -> file, line 3, column 9. */
function firstFrame(stack: string): { file: string; line: number; column: number } | null {
  for (const match of stack.matchAll(/(?:\(|at )((?:file:\/\/|\/)[^\s():]+):(\d+):(\d+)/g)) {
    const raw = match[1] ?? '';
    if (raw.includes('/node_modules/')) continue;
    const file = raw.startsWith('file://') ? decodeURIComponent(new URL(raw).pathname) : raw;
    return { file, line: Number(match[2]), column: Number(match[3]) };
  }
  return null;
}

export const CONFIG_LOADERS: Loaders = {
  '.json': loadJson,
  '.yaml': loadYaml,
  '.yml': loadYaml,
  noExt: loadYaml,
  '.js': loadModule,
  '.mjs': loadModule,
  '.cjs': loadModule,
  '.ts': loadModule,
  '.mts': loadModule,
  '.cts': loadModule,
};

export const SUPPORTED_EXTENSIONS = Object.keys(CONFIG_LOADERS).filter((k) => k !== 'noExt');

export function isSupported(file: string): boolean {
  return SUPPORTED_EXTENSIONS.includes(extname(file));
}
