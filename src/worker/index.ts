/**
 * `cluster-orchestrator/worker`: what an app may call. None of it is needed to be drained or health-checked;
 * the runtime the primary preloads does that.
 */
import { sendToPrimary } from './ipc.ts';
import { type DrainHook, runtimeState, type ShutdownHook } from './runtime-state.ts';
import { isOrchestratorWorker, readWorkerInfo, type WorkerInfo } from './worker-info.ts';

export type { DrainHook, DrainInfo, ShutdownHook } from './runtime-state.ts';
export type { WorkerInfo } from './worker-info.ts';

/**
 * Tells the primary this worker is ready to serve; used when the group's `ready.on` is `'message'`.
 * A no-op outside an orchestrator worker, so the same app runs unchanged on its own.
 */
export function ready(): void {
  if (!isOrchestratorWorker()) return;
  const send = (): void => void sendToPrimary({ orchestrator: 'ready' });
  // A spare's app is ready before it has a slot: the primary hears it once the spare is activated.
  const spare = runtimeState().spare;
  if (spare) spare.hold(send);
  else send();
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

/**
 * Registers `fn` to run the moment the worker starts draining, before its servers have closed: the place to
 * close long-lived connections the runtime does not close by itself (a WebSocket library other than `ws`,
 * streams of your own), ideally spread over `info.spreadMs` (`shutdown.longLived.spreadMs`) so clients
 * reconnect gradually. WebSockets of `ws` (and socket.io), server-sent event responses and HTTP/2 sessions
 * need no hook. Not awaited: the drain goes on, and the servers close once those connections have ended.
 */
export function onDrain(fn: DrainHook): void {
  if (typeof fn !== 'function') throw new TypeError('onDrain(fn): fn must be a function');
  runtimeState().drainHooks.push(fn);
}

/**
 * This worker's group, slot index and id, from the environment the primary sets; `null` when run otherwise,
 * and in a spare until it takes a slot (a live binding: read it when you need it, not once at import).
 */
export let info: WorkerInfo | null = readWorkerInfo(process.env);
runtimeState().spare?.onActivate(() => {
  info = readWorkerInfo(process.env);
});
