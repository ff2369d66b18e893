import { writeSync } from 'node:fs';

const LISTEN_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/**
 * A server that cannot listen (port in use, privileged port) whose app leaves the error unhandled kills its
 * worker, and Node prints a crash report of some twenty lines (source line, stack, the error's properties)
 * on every restart. This prints the one line that says it, `Error: listen EADDRINUSE: address already in use
 * 0.0.0.0:4150`, and ends the process as Node would have: exit code 1, after the 'exit' handlers. The primary
 * turns that line into one message naming the port and the process holding it.
 *
 * Only where Node was about to die of it: an app with its own 'uncaughtException' handler, or run with
 * --abort-on-uncaught-exception, is left alone, and an app that handles the server's 'error' never gets here.
 * The monitor only observes: it does not make an exception caught.
 */
export function shortenListenCrash(): void {
  process.on('uncaughtExceptionMonitor', (error, origin) => {
    if (origin !== 'uncaughtException' || !isListenError(error)) return;
    if (process.listenerCount('uncaughtException') > 0) return;
    if (process.execArgv.includes('--abort-on-uncaught-exception')) return;
    try {
      writeSync(2, `${error.name}: ${error.message}\n`);
    } catch {
      // stderr is gone: the exit code still tells.
    }
    process.exit(1);
  });
}

function isListenError(error: unknown): error is NodeJS.ErrnoException {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as NodeJS.ErrnoException;
  return (syscall === 'listen' || syscall === 'bind') && code !== undefined && LISTEN_CODES.has(code);
}
