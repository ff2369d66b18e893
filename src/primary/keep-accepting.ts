import type { Server } from 'node:net';

/**
 * Keeps a listening server of the primary alive through failed accepts. Out of file descriptors, libuv
 * accepts and closes what it can, but when even its reserve descriptor is gone the accept fails and the
 * server emits 'error': with no listener that crashes the primary, and with it every worker. The server
 * stays listening after such an error, so this reports the first one and lets it serve again once
 * descriptors come back.
 */
export function keepAccepting(server: Server, report: (error: Error) => void): void {
  let reported = false;
  server.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    report(error);
  });
}
