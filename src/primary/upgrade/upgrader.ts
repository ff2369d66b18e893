import type { Logger } from 'pino';
import type { ControlLine, Refusal, UpgradeRequest } from '../control/server.ts';
import type { ListenTap } from './listen-tap.ts';
import { type HandOver, handOver } from './predecessor.ts';
import type { HandedSocket } from './shared-handle-tap.ts';
import { currentContext, handOverRefusal } from './survival.ts';

/** The default deadline for the new primary to be ready (its workers included). */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 120_000;

export interface UpgraderOptions {
  readonly file: string;
  /** The control socket's real path, which the new primary takes over. */
  readonly socketPath: string;
  readonly tap: ListenTap;
  /** The sockets the `os` helper primaries hold for their workers (see HandOverOptions). */
  readonly sharedSockets: () => Promise<HandedSocket[]>;
  /** A warning to show with the upgrade (it works, with a caveat), or null. */
  readonly caveat?: () => string | null;
  readonly log: Logger;
  /** Why this cluster cannot be handed over now (shutting down, a group it cannot hand over), or null. */
  readonly refusal: () => string | null;
  /** The new primary serves alone now: this one releases the control socket and drains. */
  readonly handedOver: (pid: number) => void;
  /** After a failed take-over, makes sure the control socket answers from this primary again. */
  readonly reclaimControl: () => Promise<void>;
}

export interface Upgrader {
  upgrade(request: UpgradeRequest, progress: (line: ControlLine) => void): Promise<Refusal | ControlLine>;
  /** This primary is stopping: an upgrade under way stops its new primary and fails. */
  abort(reason: string): void;
  /** Whether a hand-over is under way (the control socket may be moving between primaries). */
  underWay(): boolean;
}

/** `orchestrator upgrade` and SIGUSR2 in the running primary: one hand-over at a time (docs/upgrade.md). */
export function createUpgrader(options: UpgraderOptions): Upgrader {
  let current: HandOver | null = null;
  return {
    async upgrade(request, progress) {
      if (current !== null) return { status: 409, error: 'an upgrade is already under way' };
      const refusal = options.refusal() ?? handOverRefusal(currentContext());
      if (refusal !== null) {
        options.log.warn({ reason: refusal }, 'upgrade refused; nothing was changed');
        return { status: 409, error: `upgrade refused: ${refusal}; nothing was changed` };
      }
      const say = (message: string): void => {
        options.log.info(message);
        progress({ event: 'progress', message });
      };
      const caveat = options.caveat?.() ?? null;
      if (caveat !== null) {
        options.log.warn(caveat);
        progress({ event: 'progress', message: `warning: ${caveat}` });
      }
      say(`upgrade: starting a new primary from ${request.node ?? process.execPath}`);
      const running = handOver({
        file: options.file,
        socketPath: options.socketPath,
        tap: options.tap,
        sharedSockets: options.sharedSockets,
        timeoutMs: request.timeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS,
        ...(request.node === undefined ? {} : { node: request.node }),
        progress: say,
      });
      current = running;
      const result = await running.result;
      current = null;
      if (!result.ok) {
        if (result.tookControl) await options.reclaimControl();
        const message = `upgrade failed: ${result.reason}; this primary (pid ${process.pid}) keeps serving, nothing was changed`;
        options.log.warn({ reason: result.reason }, message);
        return { event: 'done', ok: false, message };
      }
      const message = `upgraded: pid ${result.pid} (Node ${result.versions.node}, orchestrator ${result.versions.orchestrator}) runs the cluster now; pid ${process.pid} drains its workers and exits`;
      options.log.info({ pid: result.pid, versions: result.versions }, message);
      options.handedOver(result.pid);
      return { event: 'done', ok: true, message };
    },
    abort(reason) {
      current?.abort(reason);
    },
    underWay: () => current !== null,
  };
}
