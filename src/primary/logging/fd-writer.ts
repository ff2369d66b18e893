import { writeSync } from 'node:fs';

/**
 * Writes text to a file descriptor (stdout) without ever parking the primary's event loop for long, and
 * without losing what is still queued when the process exits.
 *
 * Each write is first tried at once with write(2). On a file or a terminal that is the whole story: the line
 * is out of the process when `write` returns. On a non-blocking pipe (a pipe on fd 1 is one as soon as
 * `process.stdout` exists, see `openSink`) a full pipe answers EAGAIN or takes only part: the rest waits in
 * memory and is retried from a timer (1 ms, doubling to 50 ms while the reader makes no progress), so the
 * primary keeps accepting connections while a slow reader catches up. (pino's SonicBoom in sync mode sleeps
 * the whole thread 100 ms on every EAGAIN instead: measured here, 40k records to a Node parent took 7-13 s
 * that way and about 0.6 s this way.)
 *
 * `flushSync` writes the backlog synchronously and is hooked to the process's 'exit' event, which fires
 * on `process.exit()`, on a natural exit and after an uncaught exception. A reader that has stopped reading
 * for good cannot hold the exit forever: the flush gives up after `exitFlushTimeoutMs`.
 *
 * The backlog is bounded (`maxPendingBytes`): past it, whole batches are dropped and counted, and
 * `onDropped` is told how many lines were lost once the backlog has drained, so a stalled reader costs log
 * lines, never the cluster's memory.
 */
export interface FdWriter {
  write(text: string): void;
  flushSync(timeoutMs?: number): void;
  /** Bytes accepted but not yet written. */
  readonly pendingBytes: number;
}

export interface FdWriterOptions {
  readonly maxPendingBytes?: number;
  readonly exitFlushTimeoutMs?: number;
  /** A write failed for good (EPIPE: the reader is gone). Nothing more is written after it. */
  readonly onError: (error: NodeJS.ErrnoException) => void;
  readonly onDropped: (lines: number) => void;
}

export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;
export const DEFAULT_EXIT_FLUSH_TIMEOUT_MS = 10_000;
const MAX_RETRY_DELAY_MS = 50;
const COALESCE_BYTES = 64 * 1024;

export function createFdWriter(fd: number, options: FdWriterOptions): FdWriter {
  const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  const queue: Buffer[] = [];
  let pendingBytes = 0;
  let droppedLines = 0;
  let failed = false;
  let retryDelayMs = 1;
  let retryTimer: NodeJS.Timeout | undefined;

  function fail(error: NodeJS.ErrnoException): void {
    failed = true;
    queue.length = 0;
    pendingBytes = 0;
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    options.onError(error);
  }

  /** Writes from the head of the queue until it is empty or the fd is full. True when something was written. */
  function drain(): boolean {
    let progressed = false;
    while (queue.length > 0) {
      const head = coalesceHead();
      let written: number;
      try {
        written = writeSync(fd, head);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return progressed;
        fail(error as NodeJS.ErrnoException);
        return progressed;
      }
      progressed ||= written > 0;
      pendingBytes -= written;
      if (written < head.length) {
        queue[0] = head.subarray(written);
        return progressed;
      }
      queue.shift();
    }
    return progressed;
  }

  /**
   * Merges small queued batches at the head into one buffer of up to COALESCE_BYTES. A backlog is thousands
   * of small batches; written one by one to a socket pair (Node's child pipes), each costs the reader a
   * wake-up and the kernel a buffer's worth of overhead: measured, an 8 MB backlog drained at 0.2 MB/s.
   */
  function coalesceHead(): Buffer {
    let count = 0;
    let size = 0;
    while (count < queue.length && size + (queue[count] as Buffer).length <= COALESCE_BYTES) {
      size += (queue[count] as Buffer).length;
      count++;
    }
    if (count > 1) queue.splice(0, count, Buffer.concat(queue.slice(0, count), size));
    return queue[0] as Buffer;
  }

  function drainLater(): void {
    if (retryTimer !== undefined || failed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      const progressed = drain();
      if (queue.length > 0) {
        retryDelayMs = progressed ? 1 : Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS);
        drainLater();
      } else {
        retryDelayMs = 1;
        reportDropped();
      }
    }, retryDelayMs);
    // Log output alone must never keep the primary alive: the exit hook writes what is left.
    retryTimer.unref();
  }

  function reportDropped(): void {
    if (droppedLines === 0) return;
    const lines = droppedLines;
    droppedLines = 0;
    options.onDropped(lines);
  }

  function flushSync(timeoutMs: number = options.exitFlushTimeoutMs ?? DEFAULT_EXIT_FLUSH_TIMEOUT_MS): void {
    if (retryTimer !== undefined) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
    }
    const deadline = Date.now() + timeoutMs;
    const drainSync = (): void => {
      while (queue.length > 0 && !failed && Date.now() < deadline) {
        if (!drain()) sleepSync(1);
      }
    };
    drainSync();
    // The notice of dropped lines is itself a line: it must not be the one lost at exit.
    if (queue.length === 0 && droppedLines > 0) {
      reportDropped();
      drainSync();
    }
  }

  flushAtExit.add(() => flushSync());
  if (flushAtExit.size === 1) {
    process.once('exit', () => {
      for (const flush of flushAtExit) flush();
    });
  }

  return {
    write(text) {
      if (failed) return;
      const bytes = Buffer.from(text);
      if (queue.length > 0) {
        if (pendingBytes + bytes.length > maxPendingBytes) {
          droppedLines += countLines(text);
          return;
        }
        queue.push(bytes);
        pendingBytes += bytes.length;
        return;
      }
      queue.push(bytes);
      pendingBytes += bytes.length;
      drain();
      if (queue.length > 0) drainLater();
    },
    flushSync,
    get pendingBytes() {
      return pendingBytes;
    },
  };
}

/** One 'exit' listener for all writers (a primary makes one, tests make many). */
const flushAtExit = new Set<() => void>();

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}
