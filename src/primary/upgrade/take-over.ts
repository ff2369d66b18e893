import type { Logger } from 'pino';
import type { ControlServer } from '../control/server.ts';
import { sdNotifier } from '../systemd/sd-notify.ts';
import type { FirstReady } from './first-ready.ts';
import type { ListenTap } from './listen-tap.ts';
import { checkpoint, type Successor } from './successor.ts';

export interface SuccessorRun {
  readonly successor: Successor;
  readonly tap: ListenTap;
  readonly control: ControlServer;
  /** The real control socket path, renamed over at the take-over. */
  readonly socketPath: string;
  readonly log: Logger;
  /**
   * Why this primary cannot take over now although it reported ready (see notReadyAnyMore), or null; checked
   * once every report of its helper processes so far was seen (a helper that died takes its workers along).
   */
  readonly notReady: () => Promise<string | null>;
  /** The take-over was refused: this primary stops (exit 1), the old one keeps serving. */
  readonly refused: (reason: string) => void;
  /** This primary took over (asked, or its predecessor died first). */
  readonly tookOver: () => void;
}

/**
 * The new primary's side, wired into `up`: adopts the predecessor's sockets before the first fork, takes the
 * control socket over when asked (or when the predecessor died first) and, under systemd, becomes the
 * unit's main process. Resolves once the sockets are adopted; `report` says how the first start went.
 */
export async function runAsSuccessor(
  run: SuccessorRun,
): Promise<{ forked(): void; report(ready: FirstReady): void }> {
  const { successor, control, log } = run;
  successor.onTakeOver(async (cause) => {
    const problem = cause === 'asked' ? await run.notReady() : null;
    if (problem !== null) {
      const reason = `the new primary is not ready any more (${problem})`;
      log.error({ predecessor: successor.predecessor }, `upgrade: ${reason}; not taking over`);
      run.refused(reason);
      return { ok: false, reason };
    }
    control.moveTo(run.socketPath);
    // systemd would stop the unit when its main process (the predecessor) exits; NotifyAccess=all lets any
    // process of the unit name the new one.
    await sdNotifier(process.env, (message) => log.warn(message))?.notify({ MAINPID: String(process.pid) });
    if (cause === 'asked') log.info({ predecessor: successor.predecessor }, 'took over the cluster');
    else {
      log.warn(
        { predecessor: successor.predecessor },
        'the old primary is gone before the hand-over; carrying on as the primary',
      );
    }
    run.tookOver();
    return { ok: true };
  });
  const adopted = await successor.sockets(run.tap);
  log.info(
    { predecessor: successor.predecessor, sockets: adopted },
    'upgrade: received the listening sockets',
  );
  checkpoint('sockets-received');
  return {
    forked: () => checkpoint('workers-forked'),
    report(ready) {
      if (ready.ok) {
        checkpoint('ready');
        successor.ready();
      } else successor.failed(ready.reason);
    },
  };
}
