import type { OutputStream, WorkerTags } from './worker-tags.ts';

/** Formats a batch of complete lines from one worker stream into the text to write (each line ends in \n). */
export type FormatLines = (lines: readonly string[]) => string;

/**
 * How worker lines look in the log: JSON records or pretty prefixed lines. `forStream` is called once per
 * worker stream so the parts that never change (tags, prefix) are built once, not once per line.
 */
export interface WorkerFormat {
  forStream(tags: WorkerTags, stream: OutputStream): FormatLines;
}
