import type { Logger } from 'pino';
import { type Claim, claimSocketPath } from './claim.ts';
import type { ControlServer } from './server.ts';

/** How often the control socket's path is checked: one lstat, so cheap enough to do every second. */
export const KEEP_SOCKET_MS = 1000;

export interface KeepSocketOptions {
  /** The control socket's real path (not an upgrade's staging path). */
  readonly path: string;
  /** The server listening now. */
  readonly current: () => ControlServer;
  /** True while the path must be left alone: the cluster is stopping, or a hand-over is under way. */
  readonly paused: () => boolean;
  /** Listens afresh at `path` once it is free (claimed), replacing the current server. */
  readonly relisten: () => Promise<void>;
  readonly log: Logger;
  readonly everyMs?: number;
}

/**
 * Keeps the control socket reachable at its path. A socket file removed while the primary runs (a tmp
 * cleaner, an `rm` by hand) leaves the primary listening on an inode nobody can reach: every command would
 * say that no cluster runs. So the path is checked every `everyMs`; when it no longer names this primary's
 * socket, and nobody else answers there (an upgrade's new primary, or a second `up` of the same config,
 * started since, is left alone), the primary listens at it again.
 */
export function keepControlSocket(options: KeepSocketOptions): { stop(): void } {
  const { path, log } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // A problem that persists (somebody else answers, a file that is not a socket) is said once, not every tick.
  let said: string | null = null;

  const check = async (): Promise<void> => {
    if (options.paused()) return;
    const control = options.current();
    if (control.path !== path || control.owns()) {
      said = null;
      return;
    }
    const claim: Claim = await claimSocketPath(path).catch(
      (error: Error): Claim => ({ ok: false, reason: error.message }),
    );
    if (stopped || options.paused()) return;
    if (!claim.ok) {
      if (said !== claim.reason)
        log.warn({ socket: path, reason: claim.reason }, 'control socket: cannot listen at its path again');
      said = claim.reason;
      return;
    }
    try {
      await options.relisten();
      said = null;
      log.warn(
        { socket: path },
        'control socket: its file was removed or replaced; listening at its path again',
      );
    } catch (error) {
      const reason = (error as Error).message;
      if (said !== reason)
        log.warn({ socket: path, reason }, 'control socket: cannot listen at its path again');
      said = reason;
    }
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      void check().finally(() => {
        if (!stopped) schedule();
      });
    }, options.everyMs ?? KEEP_SOCKET_MS);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
