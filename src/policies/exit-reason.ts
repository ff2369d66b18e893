import type { LastExit } from './state.ts';

export type ExitFacts = Pick<LastExit, 'code' | 'signal' | 'stoppedFor' | 'stderr'>;

/**
 * A failed exit in one line, for logs and `status`:
 *   exit code 1: Error: listen EADDRINUSE: address already in use 0.0.0.0:4150
 *   signal SIGKILL (ready-timeout)
 */
export function describeExit(exit: ExitFacts): string {
  const how = exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  const why = exit.stoppedFor === null ? '' : ` (${exit.stoppedFor})`;
  return exit.stderr === null ? `${how}${why}` : `${how}${why}: ${exit.stderr}`;
}
