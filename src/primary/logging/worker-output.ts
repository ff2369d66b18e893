import type { Readable } from 'node:stream';
import { createLineSplitter, DEFAULT_MAX_LINE_LENGTH } from './line-splitter.ts';
import type { PrimaryLogger } from './logger.ts';
import type { OutputStream, WorkerTags } from './worker-tags.ts';

export interface WorkerOutputSource {
  /** The worker's stdout or stderr pipe (e.g. `worker.process.stdout` of a worker forked with `silent`). */
  readonly stream: Readable;
  readonly fd: OutputStream;
}

export interface PipeOptions {
  /** Longer lines are logged in pieces of this many characters. Default 1 MiB. */
  readonly maxLineLength?: number;
  /** Also sees every batch of lines as it is logged (the supervisor keeps the reason a worker died). */
  readonly onLines?: (lines: readonly string[]) => void;
}

/**
 * Logs every line of a worker's stdout or stderr as one record tagged with the worker, as the bytes arrive.
 *
 * Resolves when the stream has closed, which is after its last byte was read: a crashing worker's final
 * lines (its stack trace on stderr) are in the log by then, so await both streams before logging the exit.
 * The 'exit' event is no such signal: it can fire while output is still in the pipe. Never rejects: a read
 * error is logged as a warning and the stream then closes.
 *
 * Beware a worker whose own children inherited its stdout: the pipe stays open until they exit too, so bound
 * the wait if that matters.
 */
export function pipeWorkerOutput(
  logger: PrimaryLogger,
  source: WorkerOutputSource,
  tags: WorkerTags,
  options: PipeOptions = {},
): Promise<void> {
  const { stream, fd } = source;
  const log = logger.workerWriter(tags, fd);
  const onLines = options.onLines;
  const write = (lines: readonly string[]): void => {
    log(lines);
    if (onLines !== undefined && lines.length > 0) onLines(lines);
  };
  const splitter = createLineSplitter(options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  let ended = false;
  // After 'end', or at 'close' when the stream was destroyed without one: the last line may lack a newline.
  const flushLastLine = (): void => {
    if (ended) return;
    ended = true;
    write(splitter.end());
  };
  return new Promise((resolve) => {
    if (stream.closed) {
      resolve();
      return;
    }
    stream.on('data', (chunk: Buffer | string) => write(splitter.push(chunk)));
    stream.once('end', flushLastLine);
    stream.once('error', (err) => {
      logger.log.warn({ ...tags, stream: fd, err }, `could not read the worker's ${fd}`);
    });
    stream.once('close', () => {
      flushLastLine();
      resolve();
    });
  });
}
