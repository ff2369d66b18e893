/**
 * `cluster-orchestrator/worker`: what an app may call. None of it is needed to be drained or health-checked;
 * the runtime the primary preloads does that.
 */
import { sendToPrimary } from './ipc.ts';
import { runtimeState, type ShutdownHook } from './runtime-state.ts';
import { isOrchestratorWorker, readWorkerInfo, type WorkerInfo } from './worker-info.ts';

export type { ShutdownHook } from './runtime-state.ts';
export type { WorkerInfo } from './worker-info.ts';

/**
 * Tells the primary this worker is ready to serve; used when the group's `ready.on` is `'message'`.
 * A no-op outside an orchestrator worker, so the same app runs unchanged on its own.
 */
export function ready(): void {
  if (isOrchestratorWorker()) void sendToPrimary({ orchestrator: 'ready' });
}

/**
 * Registers `fn` to run when the worker drains: after its servers have closed, before it exits, in
 * registration order, each awaited within what is left of the primary's `shutdown.timeoutMs`. A hook that
 * throws or hangs is reported on stderr and the next one still runs.
 */
export function onShutdown(fn: ShutdownHook): void {
  if (typeof fn !== 'function') throw new TypeError('onShutdown(fn): fn must be a function');
  runtimeState().hooks.push(fn);
}

/** This worker's group, slot index and id, from the environment the primary sets; `null` when run otherwise. */
export const info: WorkerInfo | null = readWorkerInfo(process.env);
