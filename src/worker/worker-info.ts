import cluster from 'node:cluster';
import { ENV_GROUP, ENV_WORKER_ID, ENV_WORKER_INDEX } from './protocol.ts';

/** Who this worker is, as the primary told it through the environment. */
export interface WorkerInfo {
  /** The config's group name. */
  readonly group: string;
  /** The slot 0..count-1; a restarted worker keeps its slot's index. */
  readonly index: number;
  /** Unique per worker process for the primary's lifetime. */
  readonly id: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function parseCount(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** `null` unless all three variables are present and well formed (a half-set environment is not a worker's). */
export function readWorkerInfo(env: Env): WorkerInfo | null {
  const group = env[ENV_GROUP];
  const index = parseCount(env[ENV_WORKER_INDEX]);
  const id = parseCount(env[ENV_WORKER_ID]);
  if (group === undefined || group === '' || index === null || id === null) return null;
  return { group, index, id };
}

/**
 * True only in a process the orchestrator forked: a `node:cluster` worker with our id variable. Anything else
 * (the primary, a test runner, an app started by hand, a worker of someone else's cluster) gets no runtime.
 */
export function isOrchestratorWorker(env: Env = process.env): boolean {
  return cluster.isWorker && env[ENV_WORKER_ID] !== undefined && typeof process.send === 'function';
}
