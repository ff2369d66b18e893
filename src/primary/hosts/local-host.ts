import cluster, { type Worker } from 'node:cluster';
import { assertNever } from '../../assert-never.ts';
import type { Signal, WorkerId } from '../../policies/types.ts';
import {
  ENV_GROUP,
  ENV_REUSE_PORT,
  ENV_SPARE,
  ENV_WORKER_INDEX,
  isWorkerMessage,
  type PrimaryMessage,
} from '../../worker/protocol.ts';
import { preloadExecArgv, spareBootExecArgv } from '../worker-preload.ts';
import { bootPriorityOfThisProcess } from './boot-priority.ts';
import { answerLostHandoffs } from './lost-handoff.ts';
import type { ClusterHost, ForkRequest, HostListener, Scheduling } from './types.ts';

export interface LocalHostOptions {
  /** node:cluster's fork; replaceable so a test can stand in a worker that fails to spawn. */
  readonly forkWorker?: (env: Readonly<Record<string, string>>) => Worker;
  /** Told what went wrong that the engine need not know (the worker runs on). */
  readonly warn?: (details: Record<string, unknown>, message: string) => void;
}

/**
 * The node:cluster primary of this process. There can be only one per process, and its scheduling policy
 * is fixed by the first one created.
 */
export function createLocalHost(
  scheduling: Scheduling,
  preload: string,
  listener: HostListener,
  options: LocalHostOptions = {},
): ClusterHost {
  const forkWorker = options.forkWorker ?? ((env) => cluster.fork(env));
  const warn = options.warn ?? (() => {});
  if (!cluster.isPrimary) throw new Error('a cluster host must run in a primary process');
  // Must be set before the first fork: node:cluster reads it once, in its first setupPrimary().
  cluster.schedulingPolicy = schedulingPolicy(scheduling);
  const workers = new Map<WorkerId, Worker>();
  const priority = bootPriorityOfThisProcess();

  const fork = (request: ForkRequest): void => {
    const id = request.worker;
    cluster.setupPrimary({
      exec: request.entry,
      args: [...request.args],
      execArgv: [
        ...(request.env[ENV_SPARE] === 'boot' ? spareBootExecArgv(preload) : preloadExecArgv(preload)),
        ...request.execArgv,
      ],
      silent: true,
    });
    let worker: Worker;
    try {
      worker = forkWorker(
        scheduling === 'reusePort' ? { ...request.env, [ENV_REUSE_PORT]: '1' } : request.env,
      );
    } catch (error) {
      listener({ type: 'exit', worker: id, code: null, signal: null, error: describeError(error) });
      return;
    }
    workers.set(id, worker);
    let said = false;
    answerLostHandoffs(worker, () => {
      if (said) return;
      said = true;
      warn(
        {
          group: request.env[ENV_GROUP],
          index: Number(request.env[ENV_WORKER_INDEX]),
          worker: id,
          pid: worker.process.pid,
        },
        'a connection could not be handed to this worker (out of file descriptors?): closed it; the worker stays in rotation (said once per worker)',
      );
    });
    // Reported once, whichever comes first: the process's exit, or the failure to start it at all.
    let gone = false;
    const exit = (code: number | null, signal: string | null, error?: string): void => {
      if (gone) return;
      gone = true;
      workers.delete(id);
      listener({ type: 'exit', worker: id, code, signal, ...(error === undefined ? {} : { error }) });
    };
    // Listeners are attached before the event loop turns, so no cluster event of this worker can be missed.
    const pid = worker.process.pid;
    if (pid !== undefined) {
      const spare = request.env[ENV_SPARE] !== undefined;
      priority.booting(pid, spare ? null : `${request.env[ENV_GROUP]}.${request.env[ENV_WORKER_INDEX]}`);
      listener({ type: 'forked', worker: id, pid });
    }
    const serving = (): void => {
      if (pid !== undefined) priority.serving(pid);
    };
    const stdout = worker.process.stdout;
    const stderr = worker.process.stderr;
    if (stdout) listener({ type: 'output', worker: id, fd: 'stdout', stream: stdout });
    if (stderr) listener({ type: 'output', worker: id, fd: 'stderr', stream: stderr });
    worker.on('online', () => listener({ type: 'online', worker: id }));
    worker.on('listening', () => {
      serving();
      listener({ type: 'listening', worker: id });
    });
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.orchestrator === 'ready' || message.orchestrator === 'listening') serving();
      // A reusePort server binds in the worker, so node:cluster never hears of it: the runtime tells us.
      if (message.orchestrator === 'listening') listener({ type: 'listening', worker: id });
      else listener({ type: 'message', worker: id, message });
    });
    // A spawn that fails after fork() returned (EMFILE, EAGAIN, ENOENT: the process never existed, so it has
    // no pid) emits 'error' and never 'exit': without this the engine would wait for that exit forever.
    // Other errors (a failed send or kill) are about a live process, whose exit is still to come.
    worker.on('error', (error: unknown) => {
      if (worker.process.pid !== undefined) return;
      // node:cluster never removes a worker that did not exit from its list.
      if (cluster.workers?.[worker.id] === worker) delete cluster.workers[worker.id];
      exit(null, null, describeError(error));
    });
    worker.on('exit', (code, signal) => {
      if (pid !== undefined) priority.gone(pid);
      exit(code ?? null, signal ?? null);
    });
  };

  const send = (id: WorkerId, message: PrimaryMessage): void => {
    const worker = workers.get(id);
    if (!worker?.isConnected()) return;
    // An activated spare serves from now on: at a lower priority its listen could wait behind busy workers.
    const pid = worker.process.pid;
    if (message.orchestrator === 'activate' && pid !== undefined) priority.serving(pid);
    // A send can race with the worker's own exit; the exit event is what counts, so errors are dropped.
    worker.send(message, (error: Error | null) => void error);
  };

  const kill = (id: WorkerId, signal: Signal): void => {
    const pid = workers.get(id)?.process.pid;
    if (pid === undefined) return;
    try {
      // Not worker.kill(): that disconnects first and waits; the engine already recorded why it kills.
      process.kill(pid, signal);
    } catch {
      // Already gone: its exit event follows.
    }
  };

  const close = async (): Promise<void> => {
    for (const id of workers.keys()) kill(id, 'SIGKILL');
    await Promise.all(
      [...workers.values()].map(
        (w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
      ),
    );
  };

  return { scheduling, fork, send, kill, close };
}

function schedulingPolicy(scheduling: Scheduling): number {
  switch (scheduling) {
    case 'round-robin':
    // reusePort workers bind their own sockets: node:cluster's policy only concerns a port-0 listen.
    case 'reusePort':
      return cluster.SCHED_RR;
    case 'os':
      return cluster.SCHED_NONE;
    default:
      return assertNever(scheduling, 'scheduling policy');
  }
}

function describeError(error: unknown): string {
  return String((error as Error | null)?.message ?? error);
}
