import { type ChildProcess, fork } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { Signal, WorkerId } from '../../policies/types.ts';
import type { PrimaryMessage } from '../../worker/protocol.ts';
import { siblingModule } from '../sibling-module.ts';
import type { HostCommand, HostReport } from './remote-protocol.ts';
import type { ClusterHost, ForkRequest, HostListener, Scheduling } from './types.ts';

interface RemoteWorker {
  pid: number | null;
  readonly output: { readonly stdout: PassThrough; readonly stderr: PassThrough };
}

/**
 * A cluster host in a helper process (see host-process.ts). Costs one extra Node process (see
 * docs/development.md) and one IPC hop for lifecycle events and worker output, but none on the data
 * path: with `os` scheduling the workers accept connections themselves.
 */
export function createRemoteHost(
  scheduling: Scheduling,
  preload: string,
  listener: HostListener,
): ClusterHost {
  const child: ChildProcess = fork(siblingModule(import.meta.url, 'host-process'), [scheduling, preload], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const workers = new Map<WorkerId, RemoteWorker>();
  let exited = false;

  const command = (message: HostCommand): void => {
    if (child.connected) child.send(message, (error: Error | null) => void error);
  };

  const finish = (id: WorkerId, code: number | null, signal: string | null): void => {
    const worker = workers.get(id);
    if (!worker) return;
    workers.delete(id);
    worker.output.stdout.end();
    worker.output.stderr.end();
    listener({ type: 'exit', worker: id, code, signal });
  };

  child.on('message', (report: HostReport) => {
    switch (report.type) {
      case 'chunk':
        workers.get(report.worker)?.output[report.fd].write(report.data);
        return;
      case 'end':
        workers.get(report.worker)?.output[report.fd].end();
        return;
      case 'forked': {
        const worker = workers.get(report.worker);
        if (!worker) return;
        worker.pid = report.pid;
        listener(report);
        listener({ type: 'output', worker: report.worker, fd: 'stdout', stream: worker.output.stdout });
        listener({ type: 'output', worker: report.worker, fd: 'stderr', stream: worker.output.stderr });
        return;
      }
      case 'exit':
        finish(report.worker, report.code, report.signal);
        return;
      default:
        listener(report);
    }
  });

  // If the helper dies, its workers are unreachable: kill what is left by pid and report them gone.
  child.on('exit', () => {
    exited = true;
    for (const [id, worker] of workers) {
      if (worker.pid !== null) {
        try {
          process.kill(worker.pid, 'SIGKILL');
        } catch {}
      }
      finish(id, null, 'SIGKILL');
    }
  });

  const fork_ = (request: ForkRequest): void => {
    if (exited) {
      listener({ type: 'exit', worker: request.worker, code: null, signal: null });
      return;
    }
    const output = { stdout: new PassThrough(), stderr: new PassThrough() };
    workers.set(request.worker, { pid: null, output });
    command({ type: 'fork', request });
  };

  return {
    scheduling,
    fork: fork_,
    send: (worker: WorkerId, message: PrimaryMessage) => command({ type: 'send', worker, message }),
    kill: (worker: WorkerId, signal: Signal) => command({ type: 'kill', worker, signal }),
    close: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // The helper kills its remaining workers and exits when its channel closes.
      child.disconnect();
      await gone;
    },
  };
}
