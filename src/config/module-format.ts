import { readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileFunction } from 'node:vm';

/**
 * Imports a config file as what it is written as. Node reads a `.ts` or `.js` file by the nearest
 * package.json `type`: in a CommonJS package (`npm init -y` writes `"type": "commonjs"`) the
 * `cluster.config.ts` that `init` writes fails with "Cannot use import statement outside a module", and in
 * a package without `type` it loads with a MODULE_TYPELESS_PACKAGE_JSON warning. A config with `import` or
 * `export` is therefore loaded as an ES module whatever the package says; one without them is left to Node
 * (so `module.exports = ...` keeps working). The same goes for the project's own files the config imports
 * (a TypeScript project compiled to CommonJS writes them all with `import`), not for packages in
 * node_modules. The hook lives in the loader's short-lived thread only: the workers run under plain Node.
 */
export function importAsWritten(file: string): Promise<Record<string, unknown>> {
  installHook();
  return import(pathToFileURL(file).href) as Promise<Record<string, unknown>>;
}

let hookInstalled = false;

function installHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  registerHooks({
    load(url, context, nextLoad) {
      if (!url.startsWith('file:') || url.includes('/node_modules/')) return nextLoad(url, context);
      const kind = /\.([cm]?)([jt]s)$/.exec(url);
      // .mjs/.mts/.cjs/.cts say their format themselves; anything else is not ours to judge.
      if (kind === null || kind[1] !== '') return nextLoad(url, context);
      const typescript = kind[2] === 'ts';
      let source: string;
      try {
        source = readFileSync(fileURLToPath(url), 'utf8');
      } catch {
        return nextLoad(url, context);
      }
      if (!hasModuleSyntax(source, typescript)) return nextLoad(url, context);
      return nextLoad(url, { ...context, format: typescript ? 'module-typescript' : 'module' });
    },
  });
}

/**
 * The errors V8 gives when code written as an ES module is compiled as a CommonJS function body: Node's own
 * module detection ("detect-module") decides on the same ones.
 */
const MODULE_ONLY_SYNTAX = [
  'Cannot use import statement outside a module',
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
  'await is only valid in async functions and the top level bodies of modules',
];

/** Whether the source uses ES module syntax; false when it does not parse at all (Node then reports that). */
export function hasModuleSyntax(source: string, typescript: boolean): boolean {
  let code = source;
  if (typescript) {
    try {
      code = quietly(() => stripTypeScriptTypes(source));
    } catch {
      return false;
    }
  }
  try {
    compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname']);
    return false;
  } catch (error) {
    return error instanceof SyntaxError && MODULE_ONLY_SYNTAX.includes(error.message);
  }
}

/**
 * Runs `fn` without its process warnings: `stripTypeScriptTypes` warns once that it is experimental, and
 * that line would reach the user's terminal although the user asked for nothing experimental.
 */
function quietly<T>(fn: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return fn();
  } finally {
    process.emitWarning = emitWarning;
  }
}
