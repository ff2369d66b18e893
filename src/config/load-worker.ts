/**
 * The loader's worker thread: one per load, so every load gets a fresh ES module map (Node's module cache
 * cannot be cleared, and an edited config must be read anew) and whatever the config does, the caller can
 * terminate it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadReply, LoadRequest } from './load-protocol.ts';
import { errorMessage } from './plain-data.ts';
import { readConfig } from './read-config.ts';

const request = workerData as LoadRequest;

// No top-level await here: if the config awaits something that can never settle, this thread simply runs
// out of work and exits without a reply, which the caller reports (instead of Node warning on stderr).
readConfig(request).then(
  (reply) => parentPort?.postMessage(reply),
  (error: unknown) => {
    const reply: LoadReply = {
      kind: 'failed',
      file: request.file ?? null,
      errors: [
        { file: request.file ?? request.cwd, path: '', message: `could not load: ${errorMessage(error)}` },
      ],
    };
    parentPort?.postMessage(reply);
  },
);
