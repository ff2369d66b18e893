import type { WorkerMessage } from './protocol.ts';

/**
 * Sends a message to the primary and resolves once it is written (true) or could not be (false).
 *
 * Never throws and never emits: `process.send()` without a callback turns a closed channel into an
 * 'error' event on `process`, which would crash an app that is merely outliving its primary.
 */
export function sendToPrimary(message: WorkerMessage): Promise<boolean> {
  if (process.send === undefined || !process.connected) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      process.send?.(message, undefined, undefined, (error: Error | null) => resolve(error === null));
    } catch {
      resolve(false);
    }
  });
}
