import type { Logger } from 'pino';
import { findPortHolder, type ListenFailure, type PortHolder, parseListenFailure } from './port-holder.ts';

/** The same cause is told again after this long, so a log that has scrolled away still shows it. */
const REPEAT_AFTER_MS = 10 * 60_000;

/**
 * Turns a worker that died because it could not listen into one log line naming the port and, where the
 * machine lets us see it, the process that holds it, once per cause instead of once per restart:
 *   web: port 4150 is already in use (held by pid 1234: node old-server.js); its workers cannot listen
 */
export class ListenFailures {
  readonly #told = new Map<string, number>();
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #holderOf: (port: number) => Promise<PortHolder | null>;

  constructor(
    log: Logger,
    now: () => number,
    holderOf: (port: number) => Promise<PortHolder | null> = findPortHolder,
  ) {
    this.#log = log;
    this.#now = now;
    this.#holderOf = holderOf;
  }

  /**
   * A worker of `group` exited; `line` is the error line of its stderr (see ExitLine). Settles once the line
   * is logged: looking for the holder takes a moment, and nothing needs to wait for it.
   */
  async exited(group: string, line: string | null): Promise<void> {
    const failure = line === null ? null : parseListenFailure(line);
    if (failure === null) return;
    const key = `${group}\0${failure.code}\0${failure.address}\0${failure.port}`;
    const told = this.#told.get(key);
    if (told !== undefined && this.#now() - told < REPEAT_AFTER_MS) return;
    this.#told.set(key, this.#now());
    const holder =
      failure.code === 'EADDRINUSE' ? await this.#holderOf(failure.port).catch(() => null) : null;
    this.#log.error(
      { group, code: failure.code, address: failure.address, port: failure.port, holder },
      message(group, failure, holder),
    );
  }
}

function message(group: string, failure: ListenFailure, holder: PortHolder | null): string {
  const where = failure.address === null ? `port ${failure.port}` : `${failure.address}:${failure.port}`;
  switch (failure.code) {
    case 'EACCES':
      return `${group}: may not listen on ${where} (ports below 1024 need privileges); its workers cannot start`;
    case 'EADDRNOTAVAIL':
      return `${group}: ${where} is not an address of this machine; its workers cannot start`;
    case 'EADDRINUSE': {
      const by =
        holder === null
          ? 'by a process this user cannot see'
          : holder.pid === process.pid
            ? `by this orchestrator (pid ${holder.pid}: another group listens on it)`
            : `by pid ${holder.pid}${holder.command === null ? '' : ` (${holder.command})`}`;
      return `${group}: ${where} is already in use, held ${by}; its workers cannot listen`;
    }
  }
}
