import { writeSync } from 'node:fs';
import { createFdWriter } from './fd-writer.ts';

/**
 * Where every log line goes: the primary's own records and all worker lines share one sink, written in call
 * order, so the log reads in the order things happened.
 */
export interface LogSink {
  write(text: string): void;
  /** Writes out anything still queued. Runs by itself at process exit for stdout; harmless to call again. */
  flushSync(): void;
}

export interface SinkOptions {
  /** The output failed for good (EPIPE: `orchestrator up | head` exited). Told once; later lines are dropped. */
  readonly onBroken?: (error: NodeJS.ErrnoException) => void;
  /** Lines dropped because the reader fell too far behind (see `createFdWriter`), told once it caught up. */
  readonly onDropped?: (lines: number) => void;
  /** How far stdout may fall behind before lines are dropped (see `createFdWriter`). */
  readonly maxPendingBytes?: number;
}

/**
 * A sink on `stream`, or on stdout (fd 1, through `createFdWriter`) when none is given.
 *
 * Losing the log must not take the cluster down: after a failed write the sink says so once (by default on
 * stderr) and drops further lines.
 */
export function openSink(stream?: NodeJS.WritableStream, events: SinkOptions = {}): LogSink {
  const onBroken = events.onBroken ?? reportOnStderr;
  if (stream === undefined) {
    // Creating process.stdout makes libuv switch a pipe on fd 1 to non-blocking mode, so a full pipe answers
    // EAGAIN instead of parking the primary in write(2) (see createFdWriter). Terminals and files are left as
    // they are: they do not stall.
    void process.stdout;
    const writer = createFdWriter(1, {
      onError: onBroken,
      onDropped: events.onDropped ?? (() => {}),
      maxPendingBytes: events.maxPendingBytes,
    });
    return { write: (text) => writer.write(text), flushSync: () => writer.flushSync() };
  }
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (broken) return;
    broken = true;
    onBroken(error);
  });
  const flushable = stream as { flushSync?: () => void };
  return {
    write(text) {
      if (!broken) stream.write(text);
    },
    flushSync() {
      // A Writable has nothing to flush synchronously; a SonicBoom passed in does.
      if (!broken && typeof flushable.flushSync === 'function') flushable.flushSync();
    },
  };
}

function reportOnStderr(error: NodeJS.ErrnoException): void {
  try {
    writeSync(2, `orchestrator: log output failed (${error.code ?? error.message}); further lines dropped\n`);
  } catch {
    // stderr is gone too: nothing left to tell.
  }
}
