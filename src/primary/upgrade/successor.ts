import type { ListenTap } from './listen-tap.ts';
import {
  ENV_UPGRADE_FROM,
  ENV_UPGRADE_STOP_AT,
  isToSuccessor,
  type ToPredecessor,
  type UpgradeStep,
} from './protocol.ts';
import { VERSIONS } from './versions.ts';

/** Why the new primary takes over: the predecessor asked (it is ready), or the predecessor died first. */
export type TakeOverCause = 'asked' | 'predecessor-gone';

/** What a take-over came to: done, or refused with a reason (told to the predecessor, which keeps serving). */
export type TakeOverResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * The new primary's half of an upgrade (docs/upgrade.md), present when this `up` was spawned by a running
 * primary (ORCHESTRATOR_UPGRADE_FROM and an IPC channel). Listens from the start, so no message is lost.
 */
export interface Successor {
  readonly predecessor: number;
  /** Where this primary's control socket listens until it takes over the real path. */
  stagingPath(socketPath: string): string;
  /** Resolves once the predecessor's listening sockets are adopted (or the predecessor is gone); once. */
  sockets(tap: ListenTap): Promise<number>;
  ready(): void;
  failed(reason: string): void;
  /**
   * `takeOver` runs once, when asked or when the predecessor dies first; after it resolves the predecessor
   * is told (`took-over`, or `failed` with the reason of a refusal) and the channel closed.
   */
  onTakeOver(takeOver: (cause: TakeOverCause) => Promise<TakeOverResult>): void;
}

export function successorFromEnvironment(proc: NodeJS.Process = process): Successor | null {
  const from = Number(proc.env[ENV_UPGRADE_FROM]);
  if (!Number.isInteger(from) || from <= 0 || typeof proc.send !== 'function') return null;
  // Not inherited by workers or a later successor: each upgrade sets its own.
  delete proc.env[ENV_UPGRADE_FROM];

  const handles: Array<{ key: string; handle: object }> = [];
  let sent: (() => void) | null = null;
  let socketsDone = false;
  let asked = false;
  let gone = false;
  let takeOver: ((cause: TakeOverCause) => Promise<TakeOverResult>) | null = null;
  let tookOver = false;
  let abandoned = false;
  let adopting: Promise<number> | null = null;

  const tell = (message: ToPredecessor): void => {
    if (proc.connected) proc.send?.(message, undefined, undefined, (error: Error | null) => void error);
  };
  const run = (cause: TakeOverCause): void => {
    if (tookOver || takeOver === null) return;
    tookOver = true;
    void takeOver(cause).then((result) => {
      if (result.ok) tell({ upgrade: 'took-over' });
      else {
        abandoned = true;
        tell({ upgrade: 'failed', reason: result.reason });
      }
      if (proc.connected) proc.disconnect();
    });
  };

  proc.on('message', (message: unknown, handle: unknown) => {
    if (!isToSuccessor(message)) return;
    switch (message.upgrade) {
      case 'socket':
        if (typeof handle === 'object' && handle !== null) handles.push({ key: message.key, handle });
        return;
      case 'sockets-sent':
        socketsDone = true;
        sent?.();
        return;
      case 'take-over':
        asked = true;
        run('asked');
        return;
    }
  });
  proc.once('disconnect', () => {
    gone = true;
    sent?.();
    if (abandoned) return;
    // The predecessor died before handing over (a deliberate stop sends SIGTERM here first): carry on alone.
    if (!tookOver) run('predecessor-gone');
  });

  // The channel must not keep a failed or stopping primary alive; messages still arrive.
  proc.channel?.unref();
  checkpoint('spawned', proc);

  return {
    predecessor: from,
    stagingPath: (socketPath) => `${socketPath}.${proc.pid}.next`,
    sockets(tap) {
      adopting ??= (async () => {
        if (!socketsDone && !gone) await new Promise<void>((resolve) => (sent = resolve));
        for (const { key, handle } of handles) tap.adopt(key, handle);
        return handles.length;
      })();
      return adopting;
    },
    ready: () => tell({ upgrade: 'ready', pid: proc.pid, versions: VERSIONS }),
    failed(reason) {
      abandoned = true;
      tell({ upgrade: 'failed', reason });
    },
    onTakeOver(handler) {
      takeOver = handler;
      if (asked) run('asked');
      else if (gone) run('predecessor-gone');
    },
  };
}

/** A test's fault-injection point (see UpgradeStep): stops this process there when asked to. */
export function checkpoint(step: UpgradeStep, proc: NodeJS.Process = process): void {
  if (proc.env[ENV_UPGRADE_STOP_AT] === step) proc.kill(proc.pid, 'SIGSTOP');
}
