import { type ChildProcess, spawn } from 'node:child_process';
import type { ListenTap } from './listen-tap.ts';
import { ENV_UPGRADE_FROM, isToPredecessor, type ToSuccessor, type Versions } from './protocol.ts';
import type { HandedSocket } from './shared-handle-tap.ts';

/** The bound on waiting for accepted connections to reach a worker (normally well under a millisecond). */
const HAND_OUT_LIMIT_MS = 5000;

export interface HandOverOptions {
  /** The config file the new primary starts from (re-read by it: an invalid one fails the upgrade). */
  readonly file: string;
  /** The control socket the new primary takes over once ready. */
  readonly socketPath: string;
  readonly tap: ListenTap;
  /**
   * The sockets `os` helper primaries hold for their workers, copied into this process for the hand-over (it
   * closes its copies once the upgrade is decided; the helpers keep theirs until their workers leave).
   */
  readonly sharedSockets: () => Promise<HandedSocket[]>;
  /** The new primary's deadline to be ready; after it, it is stopped and the upgrade fails. */
  readonly timeoutMs: number;
  /** The Node binary to run (default: the one at this process's path, which may have been upgraded in place). */
  readonly node?: string;
  /** The orchestrator's CLI script (default: this process's, which may have been upgraded in place). */
  readonly cli?: string;
  readonly progress: (message: string) => void;
  /** How long a failed successor gets to drain its workers after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number;
}

export type HandOverResult =
  | { readonly ok: true; readonly pid: number; readonly versions: Versions }
  | { readonly ok: false; readonly reason: string; readonly tookControl: boolean };

export interface HandOver {
  readonly result: Promise<HandOverResult>;
  /** Stops the new primary (this one is shutting down): the upgrade fails, nothing is handed over. */
  abort(reason: string): void;
}

/**
 * The running primary's half of an upgrade (docs/upgrade.md): spawns the new primary from the `node` and
 * `orchestrator` installed now, sends it every listening socket over IPC, waits until its workers are ready,
 * asks it to take over the control socket, and only then stops accepting on its own copies. Any failure
 * before that point stops the new primary (and so its workers) and leaves this one serving as before.
 */
export function handOver(options: HandOverOptions): HandOver {
  const stopGraceMs = options.stopGraceMs ?? 15_000;
  const cli = options.cli ?? process.argv[1] ?? '';
  const child: ChildProcess = spawn(
    options.node ?? process.execPath,
    [...process.execArgv, cli, 'up', '-c', options.file, '--socket', options.socketPath],
    {
      cwd: process.cwd(),
      env: { ...process.env, [ENV_UPGRADE_FROM]: String(process.pid) },
      // Same stdout/stderr: the new primary's log continues where this one's was going.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    },
  );
  let settle: (result: HandOverResult) => void = () => {};
  const result = new Promise<HandOverResult>((resolve) => {
    settle = resolve;
  });
  let settled = false;
  let reason: string | null = null;
  let takeOverSent = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const send = (message: ToSuccessor, handle?: object): void => {
    if (!child.connected) return;
    // A send that fails means the child is gone: its exit is what decides.
    const callback = (error: Error | null) => void error;
    if (handle) child.send(message, handle as never, callback);
    else child.send(message, callback);
  };

  let copies: HandedSocket[] = [];
  const closeCopies = (): void => {
    for (const { handle } of copies) (handle as { close(): void }).close();
    copies = [];
  };

  const fail = (why: string): void => {
    if (settled) return;
    settled = true;
    clearTimeout(deadline);
    closeCopies();
    void stopChild().then(() => settle({ ok: false, reason: why, tookControl: takeOverSent }));
  };

  const stopChild = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
    await exited;
    clearTimeout(killer);
  };

  const deadline = setTimeout(
    () => fail(`the new primary was not ready within ${Math.round(options.timeoutMs / 1000)} s`),
    options.timeoutMs,
  );

  child.once('error', (error) => fail(`cannot start the new primary: ${error.message}`));
  const sendSockets = async (): Promise<void> => {
    const shared = await options.sharedSockets();
    if (settled) {
      for (const { handle } of shared) (handle as { close(): void }).close();
      return;
    }
    copies = shared;
    const listeners = [...options.tap.listeners(), ...shared];
    for (const listener of listeners) send({ upgrade: 'socket', key: listener.key }, listener.handle);
    send({ upgrade: 'sockets-sent', count: listeners.length });
    options.progress(
      `new primary started (pid ${child.pid}); handed it ${listeners.length} listening socket(s): ${
        listeners.map((l) => l.key).join(', ') || 'none'
      }`,
    );
  };
  child.once('spawn', () => void sendSockets());
  child.on('message', (message: unknown) => {
    if (!isToPredecessor(message) || settled) return;
    switch (message.upgrade) {
      case 'failed':
        reason = message.reason;
        return;
      case 'ready':
        options.progress(
          `new primary (pid ${message.pid}, Node ${message.versions.node}, orchestrator ${message.versions.orchestrator}) is ready; handing over`,
        );
        readyVersions = message.versions;
        takeOverSent = true;
        send({ upgrade: 'take-over' });
        return;
      case 'took-over': {
        settled = true;
        clearTimeout(deadline);
        // From here the new primary answers the control socket and accepts alone; this one only drains.
        for (const listener of options.tap.listeners()) listener.stopAccepting();
        // The helpers never accept (their workers do, and drain): only this process's copies go.
        closeCopies();
        child.disconnect();
        child.unref();
        // Connections accepted just before reach a worker before the workers drain (see handedOut).
        void options.tap.handedOut(HAND_OUT_LIMIT_MS).then(() =>
          settle({
            ok: true,
            pid: child.pid ?? 0,
            versions: readyVersions ?? { node: 'unknown', orchestrator: 'unknown' },
          }),
        );
        return;
      }
    }
  });
  let readyVersions: Versions | null = null;
  child.once('exit', (code, signal) => {
    if (settled) return;
    const how = signal === null ? `with code ${code}` : `on ${signal}`;
    const when = takeOverSent ? 'during the take-over' : 'before it was ready';
    fail(reason ?? `the new primary exited ${how} ${when}`);
  });

  return {
    result,
    abort: (why) => fail(why),
  };
}
