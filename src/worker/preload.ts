/**
 * Loaded into every worker with `--import` by the primary, so an app needs no code of ours to be drained,
 * health-checked and tracked. Anywhere else (imported by a test, by the primary, by an app run by hand) it
 * does nothing.
 */
import { installRuntime } from './runtime.ts';
import { isOrchestratorWorker } from './worker-info.ts';

// A spare without its app (`spares.preload: false`) is loaded with spare-boot.ts instead, which waits.
if (isOrchestratorWorker()) void installRuntime();
