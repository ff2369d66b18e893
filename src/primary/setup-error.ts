/**
 * A problem with the user's machine or settings, not a bug (a port already taken, a folder not writable):
 * `up` prints its message as one line and exits 1, with no stack trace and no "internal error".
 */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

/** Words for the listen errors a user can fix; other codes keep the system's message. */
export function listenProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'the port is already in use';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL':
      return 'the address is not one of this machine';
    default:
      return error.message;
  }
}
