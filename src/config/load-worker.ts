/**
 * The loader process: one per load, so every load gets a fresh module map (Node's module cache cannot be
 * cleared, and an edited config must be read anew), whatever the config does the caller can kill it, and
 * the memory its imports and the schema library took goes back to the system when it ends. (A worker
 * thread left about 30 MB behind in the primary after it was terminated: docs/benchmarks.md.)
 *
 * The request is its one argument (JSON); the reply is its one IPC message.
 */
import module from 'node:module';
import type { LoadRequest, ValidatedReply } from './load-protocol.ts';
import { errorMessage } from './plain-data.ts';

// Compiled code of our modules, zod and cosmiconfig is cached on disk across loads and restarts.
module.enableCompileCache?.();

const request = JSON.parse(process.argv[2] ?? '{}') as LoadRequest;
// The channel alone must not keep this process alive: a config that awaits what never happens lets it run
// out of work and exit 0, which the caller reports.
process.channel?.unref();
// Orphaned (the caller died): nobody waits for the answer.
process.once('disconnect', () => process.exit(0));
process.once('uncaughtException', (error) => {
  reply({ kind: 'crashed', message: errorMessage(error) }, 1);
});

function reply(message: LoaderMessage, exitCode: number | null = null): void {
  process.send?.(message, undefined, undefined, () => {
    if (exitCode !== null) process.exit(exitCode);
  });
}

/** What the loader process sends: its answer, or that the config crashed it after loading. */
export type LoaderMessage = ValidatedReply | { kind: 'crashed'; message: string };

// No top-level await here: if the config awaits something that can never settle, this process simply runs
// out of work and exits without a reply, which the caller reports. The modules are imported after the
// compile cache is on.
Promise.all([import('./read-config.ts'), import('./validate.ts')])
  .then(([{ readConfig }, { validateConfig }]) =>
    readConfig(request).then((read): ValidatedReply => {
      if (read.kind === 'failed') return read;
      const validated = validateConfig(read.data, read.file);
      return validated.ok
        ? { kind: 'valid', file: read.file, config: validated.config }
        : { kind: 'failed', file: read.file, errors: validated.errors };
    }),
  )
  .then(
    (answer) => reply(answer),
    (error: unknown) =>
      reply({
        kind: 'failed',
        file: request.file ?? null,
        errors: [
          { file: request.file ?? request.cwd, path: '', message: `could not load: ${errorMessage(error)}` },
        ],
      }),
  );
