import type { WorkerId } from '../../policies/types.ts';
import type { PrimaryMessage, WorkerMessage } from '../../worker/protocol.ts';

type MetricsReply = Extract<WorkerMessage, { orchestrator: 'metrics' }>;

export interface AppMetricsClient {
  /**
   * Asks every worker for its app metrics at once and resolves after all answered or `timeoutMs`, whichever
   * is first, with the answers by worker (a worker that did not answer in time is absent).
   */
  collect(workers: readonly WorkerId[], timeoutMs: number): Promise<Map<WorkerId, unknown[]>>;
  /** Feed every `metrics` reply here; late or unknown ones are dropped. */
  answer(worker: WorkerId, reply: MetricsReply): void;
}

interface Pending {
  readonly waiting: Set<WorkerId>;
  readonly answers: Map<WorkerId, unknown[]>;
  readonly finish: () => void;
}

/**
 * The primary's side of the request/response over IPC. One request number per scrape, so a reply that comes
 * after its scrape gave up cannot be taken for the next scrape's.
 */
export function createAppMetricsClient(
  send: (worker: WorkerId, message: PrimaryMessage) => void,
): AppMetricsClient {
  const pending = new Map<number, Pending>();
  let nextRequest = 1;

  return {
    collect(workers, timeoutMs) {
      const request = nextRequest++;
      const answers = new Map<WorkerId, unknown[]>();
      if (workers.length === 0) return Promise.resolve(answers);
      return new Promise((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          pending.delete(request);
          resolve(answers);
        };
        const timer = setTimeout(finish, timeoutMs);
        pending.set(request, { waiting: new Set(workers), answers, finish });
        for (const worker of workers) send(worker, { orchestrator: 'metrics-request', request });
      });
    },
    answer(worker, reply) {
      const entry = pending.get(reply.request);
      if (!entry?.waiting.delete(worker)) return;
      entry.answers.set(worker, Array.isArray(reply.registries) ? reply.registries : []);
      if (entry.waiting.size === 0) entry.finish();
    },
  };
}
