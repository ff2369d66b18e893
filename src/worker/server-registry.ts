import diagnosticsChannel from 'node:diagnostics_channel';
import type { Http2Session, ServerHttp2Stream } from 'node:http2';
import type { Server, Socket } from 'node:net';

/**
 * Every `net.Server` in this process that has called `listen()` and not closed since: plain `net`, `http`,
 * `https`, `http2`, and whatever Express, Fastify or Koa create underneath; and the connections they accepted,
 * which a drain looks through for long-lived ones (WebSocket, event streams, HTTP/2 sessions).
 *
 * Why the `tracing:net.server.listen` diagnostics channel rather than wrapping `net.Server.prototype.listen`:
 * it is Node's public hook for exactly this event, it sees servers however they are built (subclasses,
 * servers created by frameworks before or after us), and it leaves the app's objects untouched: nothing to
 * get wrong when an app or an APM agent wraps `listen` too. Its `asyncStart` fires when `listen()` is called
 * (in cluster workers too, measured), so a server is known even while the primary is still answering its
 * listen request.
 *
 * The registry adds only listeners that change nothing for the app: 'close' on each server, 'connection' and
 * 'secureConnection' (where a TLS server hands out the socket a WebSocket library sits on), 'session' (HTTP/2)
 * and 'stream' on each session, and 'close' on each accepted socket, session and stream. Never an 'error' listener (it would swallow the crash an app expects
 * from an unhandled listen error), nor an 'upgrade' one (Node destroys an upgrade request nobody listens for).
 * Node itself keeps no list of a server's sockets once they are upgraded, hence the sets; a socket costs one
 * set entry and one listener for its lifetime.
 */
export interface ServerRegistry {
  /** Servers that called `listen()` and have not emitted 'close' since, in the order they first did. */
  servers(): Server[];
  /** Open sockets those servers accepted (for TLS servers, both the TCP socket and the TLS socket over it). */
  sockets(): Socket[];
  /** Open HTTP/2 sessions of those servers. */
  sessions(): Http2Session[];
  /** Open streams of those sessions. */
  streams(): ServerHttp2Stream[];
  /** Stops watching for new servers. */
  dispose(): void;
}

const LISTEN_CALLED = 'tracing:net.server.listen:asyncStart';

export function createServerRegistry(): ServerRegistry {
  const known = new Set<Server>();
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  const streams = new Set<ServerHttp2Stream>();
  const onStream = (stream: ServerHttp2Stream): void => {
    streams.add(stream);
    stream.once('close', () => streams.delete(stream));
  };
  const onConnection = (socket: Socket): void => {
    if (sockets.has(socket)) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const onSession = (session: Http2Session): void => {
    sessions.add(session);
    session.on('stream', onStream);
    session.once('close', () => sessions.delete(session));
  };
  const onListen = (message: unknown): void => {
    const server = (message as { server?: Server }).server;
    if (server === undefined || known.has(server)) return;
    known.add(server);
    server.on('connection', onConnection);
    server.on('secureConnection', onConnection);
    server.on('session', onSession);
    server.once('close', () => {
      known.delete(server);
      server.off('connection', onConnection);
      server.off('secureConnection', onConnection);
      server.off('session', onSession);
    });
  };
  diagnosticsChannel.subscribe(LISTEN_CALLED, onListen);
  return {
    servers: () => [...known],
    sockets: () => [...sockets],
    sessions: () => [...sessions],
    streams: () => [...streams],
    dispose: () => {
      diagnosticsChannel.unsubscribe(LISTEN_CALLED, onListen);
    },
  };
}
