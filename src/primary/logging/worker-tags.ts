/** Which of a worker's output streams a line came from. */
export type OutputStream = 'stdout' | 'stderr';

/** What identifies a worker's output in the log. Fixed for the life of one worker process. */
export interface WorkerTags {
  /** The group's name from the config. */
  readonly group: string;
  /** The slot, 0..count-1, stable across restarts of that slot (`ORCHESTRATOR_WORKER_INDEX`). */
  readonly index: number;
  readonly pid: number;
  /** The cluster worker id, unique per process (`ORCHESTRATOR_WORKER_ID`). */
  readonly worker: number;
}

/**
 * The pino level given to a worker's line that carries none of its own. stderr gets warn, not error: it
 * carries warnings and progress as often as crashes (Node's own deprecation warnings go there), and warn is
 * enough to make it stand out; the record's `stream` field says exactly where the line came from.
 */
export const STREAM_LEVEL: Readonly<Record<OutputStream, number>> = { stdout: 30, stderr: 40 };
