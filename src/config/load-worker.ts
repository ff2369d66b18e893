/**
 * The loader's worker thread: one per load, so every load gets a fresh ES module map (Node's module cache
 * cannot be cleared, and an edited config must be read anew) and whatever the config does, the caller can
 * terminate it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadRequest, ValidatedReply } from './load-protocol.ts';
import { errorMessage } from './plain-data.ts';
import { readConfig } from './read-config.ts';
import { validateConfig } from './validate.ts';

const request = workerData as LoadRequest;

// No top-level await here: if the config awaits something that can never settle, this thread simply runs
// out of work and exits without a reply, which the caller reports (instead of Node warning on stderr).
readConfig(request).then(
  (reply) => {
    if (reply.kind === 'failed') return parentPort?.postMessage(reply);
    const validated = validateConfig(reply.data, reply.file);
    const answer: ValidatedReply = validated.ok
      ? { kind: 'valid', file: reply.file, config: validated.config }
      : { kind: 'failed', file: reply.file, errors: validated.errors };
    parentPort?.postMessage(answer);
  },
  (error: unknown) => {
    const reply: ValidatedReply = {
      kind: 'failed',
      file: request.file ?? null,
      errors: [
        { file: request.file ?? request.cwd, path: '', message: `could not load: ${errorMessage(error)}` },
      ],
    };
    parentPort?.postMessage(reply);
  },
);
