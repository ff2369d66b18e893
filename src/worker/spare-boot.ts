/**
 * The preload of a spare booted without its app (`spares.preload: false`), instead of preload.ts: an ES
 * module loaded with `--import`, whose top-level await holds the app's entry back until the spare is
 * activated (Node runs the entry once its `--import` modules have settled). ES module only: the CommonJS
 * build of the runtime (`dist/worker-cjs`, loaded with `--require`) leaves this file out, since `require`
 * cannot wait.
 */
import { installRuntime } from './runtime.ts';
import { isOrchestratorWorker } from './worker-info.ts';

if (isOrchestratorWorker()) await installRuntime();
