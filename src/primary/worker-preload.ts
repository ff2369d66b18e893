import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { siblingModule } from './sibling-module.ts';

/**
 * Where the worker runtime is loaded from, and with which flag.
 *
 * From `dist/`, the CommonJS build of the runtime (`dist/worker-cjs/`, built by `tsconfig.worker-cjs.json`) is
 * loaded with `--require`. Why: `--import` starts Node's ES module loader in every worker before the app runs;
 * for a CommonJS app that loader is otherwise never built. Measured per worker (private memory, the part not
 * shared with other processes): bare 9.2 MB, runtime with `--import` 11.6 MB, with `--require` 10.5 MB.
 * The app's own `import 'cluster-orchestrator/worker'` (the ES module build) still finds the same hooks: they
 * live on `globalThis` (see worker/runtime-state.ts).
 *
 * From `src/` (Node's type stripping, in tests and development) there is no CommonJS build: the `.ts`
 * runtime is loaded with `--import`.
 */
export function workerPreload(from: string): string {
  const cjs = fileURLToPath(new URL('../worker-cjs/preload.js', from));
  if (!from.endsWith('.ts') && existsSync(cjs)) return cjs;
  return siblingModule(from, '../worker/preload');
}

/**
 * The preload of a spare booted without its app (`spares.preload: false`): the ES module `spare-boot`, beside
 * the ES module runtime, loaded with `--import` whatever `preload` is (its top-level await is what holds the
 * app's entry back until activation; a `--require`d file cannot wait).
 */
export function spareBootExecArgv(preload: string): readonly string[] {
  const esm = isCommonJsBuild(preload)
    ? preload.replace(/worker-cjs([\\/])preload\.js$/, 'worker$1spare-boot.js')
    : preload.replace(/preload(\.[cm]?[jt]s)$/, 'spare-boot$1');
  return ['--import', esm];
}

/** The `execArgv` that loads a preload path from `workerPreload`. */
export function preloadExecArgv(preload: string): readonly string[] {
  return [isCommonJsBuild(preload) ? '--require' : '--import', preload];
}

function isCommonJsBuild(preload: string): boolean {
  return /[\\/]worker-cjs[\\/]preload\.js$/.test(preload);
}
