import diagnosticsChannel from 'node:diagnostics_channel';
import type { Server } from 'node:net';

/**
 * Every `net.Server` in this process that has called `listen()` and not closed since: plain `net`, `http`,
 * `https`, and whatever Express, Fastify or Koa create underneath.
 *
 * Why the `tracing:net.server.listen` diagnostics channel rather than wrapping `net.Server.prototype.listen`:
 * it is Node's public hook for exactly this event, it sees servers however they are built (subclasses,
 * servers created by frameworks before or after us), and it leaves the app's objects untouched: nothing to
 * get wrong when an app or an APM agent wraps `listen` too. Its `asyncStart` fires when `listen()` is called
 * (in cluster workers too, measured), so a server is known even while the primary is still answering its
 * listen request.
 *
 * The registry only adds a 'close' listener to each server, never an 'error' listener: adding one would
 * swallow the crash an app expects from an unhandled listen error.
 */
export interface ServerRegistry {
  /** Servers that called `listen()` and have not emitted 'close' since, in the order they first did. */
  servers(): Server[];
  /** Stops watching for new servers. */
  dispose(): void;
}

const LISTEN_CALLED = 'tracing:net.server.listen:asyncStart';

export function createServerRegistry(): ServerRegistry {
  const known = new Set<Server>();
  const onListen = (message: unknown): void => {
    const server = (message as { server?: Server }).server;
    if (server === undefined || known.has(server)) return;
    known.add(server);
    server.once('close', () => known.delete(server));
  };
  diagnosticsChannel.subscribe(LISTEN_CALLED, onListen);
  return {
    servers: () => [...known],
    dispose: () => {
      diagnosticsChannel.unsubscribe(LISTEN_CALLED, onListen);
    },
  };
}
