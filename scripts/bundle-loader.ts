/**
 * Bundles the config loader (`dist/config/load-worker.js`, run as a short-lived process for every load of
 * the config) into one file, in place.
 *
 * Why: the loader's cost is mostly module loading: about 40 of our files, zod and cosmiconfig, each resolved,
 * read and linked by Node's ES module loader. As one file it takes ~60 ms of CPU instead of ~110 ms per load
 * (`docs/benchmarks.md`), and every `up`, reload, hot-apply and `validate` loads the config. The rest of
 * `dist/` stays as tsc wrote it. Under Node's type stripping (`src/`), the unbundled loader runs.
 *
 *   node scripts/bundle-loader.ts
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const file = new URL('../dist/config/load-worker.js', import.meta.url).pathname;
await build({
  entryPoints: [file],
  outfile: file,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // CommonJS packages in the bundle (cosmiconfig's dependencies) call `require`, which an ES module lacks.
  banner: {
    js: "import { createRequire as __loaderRequire } from 'node:module'; const require = __loaderRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// tsc's source map describes the unbundled file.
rmSync(`${file}.map`, { force: true });
