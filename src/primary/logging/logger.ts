import { createRequire } from 'node:module';
import pino, { type LevelWithSilentOrString, type Logger } from 'pino';
import { colorsEnabled } from './colors.ts';
import { createJsonFormat } from './json-format.ts';
import type { LogRing } from './log-ring.ts';
import { createPrettyFormat } from './pretty-format.ts';
import { openSink } from './sink.ts';
import type { OutputStream, WorkerTags } from './worker-tags.ts';

export interface LoggerOptions {
  /** Human lines instead of JSON lines. Default: whether the output is a terminal. */
  readonly pretty?: boolean;
  /** The primary's own minimum level. Worker lines are the apps' output and are never filtered. Default 'info'. */
  readonly level?: LevelWithSilentOrString;
  /** Default: stdout (see `createFdWriter`: written at once, never blocking, flushed at exit). */
  readonly stream?: NodeJS.WritableStream;
  /** ANSI colors in pretty mode. Default: `colorsEnabled(output, env)` (NO_COLOR, FORCE_COLOR, a TTY). */
  readonly colors?: boolean;
  /** How far stdout may fall behind a slow reader before lines are dropped (and counted). Default 64 MiB. */
  readonly maxPendingBytes?: number;
  /** Read for NO_COLOR / FORCE_COLOR / TERM. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Also keeps every record and worker line here, for `orchestrator logs`. */
  readonly ring?: LogRing;
}

/** Writes a batch of complete lines from one worker stream, in order, as one write. */
export type WorkerLineWriter = (lines: readonly string[]) => void;

export interface PrimaryLogger {
  /** The primary's own logger (pino). Its records carry level, time and msg, with no pid/hostname noise. */
  readonly log: Logger;
  readonly pretty: boolean;
  /** The recent lines, when the logger was given a ring. */
  readonly ring: LogRing | undefined;
  /** A writer for the lines of one worker stream; see `pipeWorkerOutput`, which feeds it. */
  workerWriter(tags: WorkerTags, stream: OutputStream): WorkerLineWriter;
  /** Writes out anything still queued. Runs by itself at process exit on stdout; calling it is harmless. */
  flushSync(): void;
}

/**
 * The primary's log: its own records through pino, and worker lines through the same sink, so both appear
 * in the order they were written.
 *
 * Pretty mode runs pino-pretty in this thread as a plain function on each record (`prettyFactory`), not as
 * a transport: a transport is a worker thread whose lines can be lost when the primary exits.
 */
export function createLogger(options: LoggerOptions = {}): PrimaryLogger {
  const output = options.stream ?? process.stdout;
  const pretty = options.pretty ?? (output as { isTTY?: boolean }).isTTY === true;
  const colors = options.colors ?? colorsEnabled(output as { isTTY?: boolean }, options.env ?? process.env);
  // The sink reports dropped lines through the logger it feeds, so the notice has the log's format.
  let onDropped = (_lines: number): void => {};
  const sink = openSink(options.stream, {
    onDropped: (lines) => onDropped(lines),
    maxPendingBytes: options.maxPendingBytes,
  });
  const pinoOptions = { level: options.level ?? 'info', base: undefined };
  const ring = options.ring;
  // The one point where the primary's records are captured for `orchestrator logs`, as JSON whatever `up` prints.
  const keep = ring === undefined ? () => {} : (record: string) => ring.appendRecord(record);
  let log: Logger;
  if (pretty) {
    const prettify = prettyRecords(colors);
    log = pino(pinoOptions, {
      write: (record: string) => {
        keep(record);
        sink.write(prettify(record));
      },
    });
  } else {
    log = pino(pinoOptions, {
      write: (record: string) => {
        keep(record);
        sink.write(record);
      },
    });
  }
  onDropped = (lines) => log.warn({ dropped: lines }, 'log output fell behind: lines dropped');
  const format = pretty ? createPrettyFormat(colors) : createJsonFormat();
  return {
    log,
    pretty,
    ring,
    workerWriter(tags, stream) {
      const formatLines = format.forStream(tags, stream);
      return (lines) => {
        if (lines.length === 0) return;
        ring?.appendLines(tags, stream, lines);
        sink.write(formatLines(lines));
      };
    },
    flushSync: () => sink.flushSync(),
  };
}

/** The primary's pino records as `up` shows them on a terminal (also used by `orchestrator logs`). */
export function prettyRecords(colors: boolean): (record: string) => string {
  // Loaded only when lines are shown to a person: pino-pretty is about 30 modules (1-2 MB of the primary's
  // memory that `up` under systemd, Docker or PM2-style log files (JSON lines) never uses.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return prettyFactory({
    colorize: colors,
    translateTime: 'SYS:HH:MM:ss.l',
    // No `ignore`: records carry no pid/hostname (base: undefined), so a pid field is one we logged on purpose.
    singleLine: true,
  });
}
