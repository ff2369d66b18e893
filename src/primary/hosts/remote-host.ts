import { type ChildProcess, fork } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import { backoffDelay } from '../../policies/backoff.ts';
import type { BackoffSpec, Signal, WorkerId } from '../../policies/types.ts';
import type { PrimaryMessage } from '../../worker/protocol.ts';
import { siblingModule } from '../sibling-module.ts';
import type { HandedSocket } from '../upgrade/shared-handle-tap.ts';
import type { HostCommand, HostReport } from './remote-protocol.ts';
import type { ClusterHost, ForkRequest, HostListener, Scheduling } from './types.ts';

interface RemoteWorker {
  pid: number | null;
  readonly output: { readonly stdout: PassThrough; readonly stderr: PassThrough };
}

/**
 * How a helper that dies is brought back. It is not the app that crashed, so the groups' own restart
 * policies do not apply; this one keeps a helper that cannot stay up from spinning: more than `maxRestarts`
 * deaths within `windowMs` and the host gives up (its forks then fail, and the groups' crash-loop guards
 * mark them failed). Once those deaths are older than the window, the next fork (a reload of the failed
 * group) starts a helper again.
 */
export interface HelperRestartPolicy {
  readonly maxRestarts: number;
  readonly windowMs: number;
  readonly backoff: BackoffSpec;
  /**
   * A helper that answers no ping for this long is hung (SIGSTOP, a blocked event loop): it is killed, and
   * so dies and comes back as above. Its workers' heartbeats travel through it, so until then they look hung.
   */
  readonly unresponsiveMs: number;
}

export const HELPER_RESTART: HelperRestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  backoff: { strategy: 'exponential', initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0 },
  unresponsiveMs: 5_000,
};

/** How often a helper is pinged (a few pings fit in `unresponsiveMs`). */
const PING_EVERY_MS = 1_000;

/** The bound on a helper's answer to a numbered request (it answers at once unless hung). */
const ANSWER_LIMIT_MS = 5_000;

/**
 * A cluster host in a helper process (see host-process.ts). Costs one extra Node process (see
 * docs/development.md) and one IPC hop for lifecycle events and worker output, but none on the data
 * path: with `os` scheduling the workers accept connections themselves.
 *
 * If the helper dies (the OOM killer, an operator's kill), its workers are killed by pid and reported lost
 * with it (`cause: 'host-lost'`, which the engine does not count against the app), and a new helper is
 * started after a short backoff; forks asked for meanwhile wait for it.
 */
export function createRemoteHost(
  scheduling: Scheduling,
  preload: string,
  listener: HostListener,
  log: Logger,
  policy: HelperRestartPolicy = HELPER_RESTART,
  /**
   * Sockets a new primary inherited from its predecessor and has not used yet: each helper gets a copy before
   * its first fork, so its workers' listens share them (docs/upgrade.md).
   */
  inherited: () => readonly HandedSocket[] = () => [],
): ClusterHost {
  const workers = new Map<WorkerId, RemoteWorker>();
  let child: ChildProcess | null = null;
  /** Commands given while no helper runs (between a death and the restart), sent to the next one. */
  let waiting: HostCommand[] = [];
  let restartTimer: NodeJS.Timeout | null = null;
  let deaths: number[] = [];
  let gaveUp = false;
  let closing = false;
  /** When the current helper last sent anything (a pong at least every PING_EVERY_MS when it is well). */
  let heardAt = Date.now();
  /**
   * Pings sent since then. Both must be past the limit: after this process itself was stalled (its timers
   * run before the answers waiting in the pipe are read), the clock alone would blame the helper.
   */
  let unanswered = 0;
  /** Numbered requests (`list-sockets`, a `ping` round trip) waiting for the helper's answer. */
  const pending = new Map<
    number,
    { sockets: HandedSocket[]; done: (answer: HandedSocket[] | null) => void }
  >();
  let nextRequest = 1;

  const start = (): void => {
    const helper = fork(siblingModule(import.meta.url, 'host-process'), [scheduling, preload], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = helper;
    // A helper that failed to start at all emits 'error' and no 'exit'.
    helper.on('error', () => {
      if (helper.pid === undefined) helperGone(helper, null, null);
    });
    helper.on('exit', (code, signal) => helperGone(helper, code, signal));
    heardAt = Date.now();
    unanswered = 0;
    helper.on('message', (report: HostReport, handle: unknown) => {
      if (helper !== child) return;
      heardAt = Date.now();
      unanswered = 0;
      if (report.type === 'socket') {
        if (typeof handle === 'object' && handle !== null)
          pending.get(report.request)?.sockets.push({ key: report.key, handle });
      } else onReport(report);
    });
    // Ahead of any fork on the same channel: messages (and their handles) arrive in order.
    for (const { key, handle } of inherited()) {
      const message: HostCommand = { type: 'adopt-socket', key };
      helper.send(message, handle as never, (error: Error | null) => void error);
    }
    const queued = waiting;
    waiting = [];
    for (const message of queued) command(message);
  };

  const command = (message: HostCommand): void => {
    if (child === null) {
      waiting.push(message);
      return;
    }
    if (child.connected) child.send(message, (error: Error | null) => void error);
  };

  const finish = (id: WorkerId, code: number | null, signal: string | null, cause?: 'host-lost'): void => {
    const worker = workers.get(id);
    if (!worker) return;
    workers.delete(id);
    worker.output.stdout.end();
    worker.output.stderr.end();
    listener({ type: 'exit', worker: id, code, signal, ...(cause === undefined ? {} : { cause }) });
  };

  const onReport = (report: HostReport): void => {
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
      case 'pong':
        if (report.request !== undefined) pending.get(report.request)?.done([]);
        return;
      case 'sockets-listed': {
        const request = pending.get(report.request);
        request?.done(request.sockets);
        return;
      }
      case 'socket':
        // Carries a handle: taken in the message listener.
        return;
      default:
        listener(report);
    }
  };

  // Its workers are unreachable now (and leave on their own once their channel closes): kill what is left
  // by pid, then report every one lost, after deciding about the restart, as the engine forks again at once.
  const helperGone = (helper: ChildProcess, code: number | null, signal: string | null): void => {
    if (helper !== child) return;
    child = null;
    // Its sockets died with it (its workers' copies too, once they are killed below): nothing to hand over.
    for (const request of pending.values()) request.done(null);
    if (!closing) planRestart(helper.pid, code, signal);
    const lost = [...workers.entries()];
    for (const [, worker] of lost) {
      if (worker.pid === null) continue;
      try {
        process.kill(worker.pid, 'SIGKILL');
      } catch {}
    }
    for (const [id] of lost) finish(id, null, 'SIGKILL', 'host-lost');
  };

  const planRestart = (pid: number | undefined, code: number | null, signal: string | null): void => {
    const now = Date.now();
    deaths = [...deaths.filter((at) => now - at < policy.windowMs), now];
    const fields = { scheduling, pid: pid ?? null, code, signal, workers: workers.size };
    if (deaths.length > policy.maxRestarts) {
      gaveUp = true;
      log.error(
        { ...fields, deaths: deaths.length, windowMs: policy.windowMs },
        `the helper process for '${scheduling}' scheduling keeps dying: not restarting it; its groups cannot run until a reload after ${policy.windowMs / 1000} s`,
      );
      for (const message of waiting) if (message.type === 'fork') refuse(message.request.worker);
      waiting = [];
      return;
    }
    const delayMs = backoffDelay(policy.backoff, deaths.length - 1, 0.5);
    log.warn({ ...fields, delayMs }, `the helper process for '${scheduling}' scheduling died: restarting it`);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (!closing) start();
    }, delayMs);
  };

  // A fork that no helper will ever run: an immediate exit, which the group's crash-loop guard counts.
  const refuse = (id: WorkerId): void => {
    const worker = workers.get(id);
    if (worker) {
      workers.delete(id);
      worker.output.stdout.end();
      worker.output.stderr.end();
    }
    listener({
      type: 'exit',
      worker: id,
      code: null,
      signal: null,
      error: `the helper process for '${scheduling}' scheduling is gone (it kept dying)`,
    });
  };

  const fork_ = (request: ForkRequest): void => {
    if (gaveUp && !closing && deaths.every((at) => Date.now() - at >= policy.windowMs)) {
      gaveUp = false;
      log.info({ scheduling }, `starting the helper process for '${scheduling}' scheduling again`);
      start();
    }
    if (gaveUp || closing) {
      refuse(request.worker);
      return;
    }
    const output = { stdout: new PassThrough(), stderr: new PassThrough() };
    workers.set(request.worker, { pid: null, output });
    command({ type: 'fork', request });
  };

  start();
  const watchdog = setInterval(() => {
    const helper = child;
    if (helper === null || closing || !helper.connected) return;
    const silentMs = Date.now() - heardAt;
    if (silentMs > policy.unresponsiveMs && unanswered * PING_EVERY_MS >= policy.unresponsiveMs) {
      log.warn(
        { scheduling, pid: helper.pid ?? null, silentMs },
        `the helper process for '${scheduling}' scheduling stopped answering: killing it`,
      );
      // Its exit then takes the path of any helper death: workers killed by pid, a new helper started.
      helper.kill('SIGKILL');
      return;
    }
    unanswered += 1;
    helper.send({ type: 'ping' } satisfies HostCommand, (error: Error | null) => void error);
  }, PING_EVERY_MS);
  watchdog.unref();

  /** Sends a numbered request; resolves with its answer, or null once the helper is gone or after the bound. */
  const ask = (message: (request: number) => HostCommand): Promise<HandedSocket[] | null> => {
    const helper = child;
    if (helper === null || !helper.connected) return Promise.resolve(null);
    const request = nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), ANSWER_LIMIT_MS);
      const done = (sockets: HandedSocket[] | null): void => {
        clearTimeout(timer);
        pending.delete(request);
        resolve(sockets);
      };
      pending.set(request, { sockets: [], done });
      command(message(request));
    });
  };
  const listeningSockets = async (): Promise<HandedSocket[]> =>
    (await ask((request) => ({ type: 'list-sockets', request }))) ?? [];

  return {
    scheduling,
    fork: fork_,
    listeningSockets,
    sync: async () => (await ask((request) => ({ type: 'ping', request }))) !== null,
    releaseInherited: () => command({ type: 'release-inherited' }),
    send: (worker: WorkerId, message: PrimaryMessage) => command({ type: 'send', worker, message }),
    kill: (worker: WorkerId, signal: Signal) => command({ type: 'kill', worker, signal }),
    close: async () => {
      closing = true;
      clearInterval(watchdog);
      if (restartTimer !== null) clearTimeout(restartTimer);
      restartTimer = null;
      const helper = child;
      if (helper === null) {
        // No helper will run what waits for one: those workers never started.
        for (const message of waiting)
          if (message.type === 'fork') finish(message.request.worker, null, null);
        waiting = [];
        return;
      }
      const gone = new Promise<void>((resolve) => helper.once('exit', () => resolve()));
      // The helper kills its remaining workers and exits when its channel closes.
      if (helper.connected) helper.disconnect();
      await gone;
    },
  };
}
