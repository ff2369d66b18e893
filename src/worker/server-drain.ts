import type { Server } from 'node:net';
import { drainHttpServer, isHttpServer } from './http-drain.ts';

/**
 * Stops a listening server and resolves when its last connection has ended.
 *
 * HTTP servers get the keep-alive-safe drain. Any other server (plain `net`, HTTP/2, a custom protocol) only
 * stops accepting: the runtime cannot know where a message ends in an unknown protocol, so its open
 * connections are left to finish on their own until the drain's budget runs out.
 */
export function drainServer(server: Server, graceMs: number): Promise<void> {
  if (isHttpServer(server)) return drainHttpServer(server, graceMs);
  return new Promise((resolve) => {
    server.close(() => resolve());
  });
}
