import type { ServerResponse } from 'node:http';
import type { Http2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';

/**
 * Connections that never end on their own, which the HTTP drain (answer, then `Connection: close`) cannot
 * close: a WebSocket, a server-sent event stream, an HTTP/2 session.
 *
 * Each is closed through its own protocol, never by writing into the socket behind the library's back (a
 * close frame in the middle of a frame the library is sending would corrupt the stream):
 * - WebSocket of the `ws` library (also under socket.io / engine.io, express-ws, @fastify/websocket,
 *   graphql-ws...): `ws.close(1001, reason)`, queued by `ws` after any frame it is sending; `ws` then waits
 *   for the client's close frame and ends the socket.
 * - event stream (an HTTP/1.1 response with `Content-Type: text/event-stream` still open): `response.end()`,
 *   the final chunk of a chunked response (a clean end an EventSource reconnects after), then the socket is
 *   ended so the reconnect opens a new connection, which goes to another worker.
 * - HTTP/2 session: `session.close()`: GOAWAY, the open streams finish, then the session closes.
 * - HTTP/2 event stream (a stream that answered `content-type: text/event-stream`, still open):
 *   `stream.end()`, its last DATA frame with END_STREAM, a clean end.
 */
export type LongLived =
  | { readonly kind: 'websocket'; readonly socket: Socket; readonly ws: WebSocketLike }
  | { readonly kind: 'event-stream'; readonly socket: Socket; readonly response: ServerResponse }
  | { readonly kind: 'http2'; readonly session: Http2Session }
  | { readonly kind: 'http2-event-stream'; readonly stream: ServerHttp2Stream };

/** What the runtime needs of a `ws` WebSocket (the same in every `ws` version since 1.0). */
export interface WebSocketLike {
  readonly readyState: number;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** `ws` readyState values. */
const CONNECTING = 0;
const OPEN = 1;

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_REASON = 'server restarting';

/**
 * `ws` marks each socket it owns with its WebSocket under a module-private `Symbol('websocket')`. Finding it by
 * description works for every copy of `ws` in the process (an app's own, engine.io's) without loading or
 * patching any of them, and costs an app that has none nothing.
 */
export function webSocketOf(socket: Socket): WebSocketLike | null {
  for (const key of Object.getOwnPropertySymbols(socket)) {
    if (key.description !== 'websocket') continue;
    const candidate = (socket as unknown as Record<symbol, unknown>)[key];
    if (isWebSocket(candidate)) return candidate;
  }
  return null;
}

function isWebSocket(value: unknown): value is WebSocketLike {
  if (typeof value !== 'object' || value === null) return false;
  const ws = value as Partial<WebSocketLike>;
  return (
    typeof ws.readyState === 'number' && typeof ws.close === 'function' && typeof ws.terminate === 'function'
  );
}

/** The response an HTTP/1.1 socket is currently writing, when it is an open event stream. */
export function eventStreamOf(socket: Socket): ServerResponse | null {
  // `_httpMessage` is how Node's own http server tracks a socket's current response (since 0.x).
  const response = (socket as { _httpMessage?: unknown })._httpMessage as ServerResponse | undefined;
  if (response === undefined || response === null || typeof response.getHeader !== 'function') return null;
  if (!response.headersSent || response.writableEnded) return null;
  return isEventStream(response) ? response : null;
}

const EVENT_STREAM_HEADER = /^content-type:[ \t]*text\/event-stream/im;

function isEventStream(response: ServerResponse): boolean {
  const type = response.getHeader('content-type');
  if (typeof type === 'string') return type.toLowerCase().startsWith('text/event-stream');
  // Headers given only to `writeHead(status, headers)` are written without being stored: read the head Node
  // wrote (`_header`, where it keeps it until the response ends).
  const head = (response as { _header?: unknown })._header;
  return typeof head === 'string' && EVENT_STREAM_HEADER.test(head);
}

/** The long-lived connections among a worker's open sockets, HTTP/2 sessions and streams. */
export function findLongLived(
  sockets: Iterable<Socket>,
  sessions: Iterable<Http2Session>,
  streams: Iterable<ServerHttp2Stream> = [],
): LongLived[] {
  const found: LongLived[] = [];
  for (const stream of streams) {
    if (stream.closed || stream.destroyed || stream.writableEnded || !stream.headersSent) continue;
    const type = stream.sentHeaders['content-type'];
    if (typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream'))
      found.push({ kind: 'http2-event-stream', stream });
  }
  for (const socket of sockets) {
    if (socket.destroyed) continue;
    const ws = webSocketOf(socket);
    if (ws !== null) {
      if (ws.readyState === OPEN || ws.readyState === CONNECTING)
        found.push({ kind: 'websocket', socket, ws });
      continue;
    }
    const response = eventStreamOf(socket);
    if (response !== null) found.push({ kind: 'event-stream', socket, response });
  }
  for (const session of sessions) {
    // A closed session (GOAWAY sent, `http2.Server#close` does that) still counts until its streams finish.
    if (!session.destroyed) found.push({ kind: 'http2', session });
  }
  return found;
}

/** Starts the polite close of one connection; see `LongLived`. */
export function closePolitely(item: LongLived): void {
  switch (item.kind) {
    case 'websocket':
      item.ws.close(CLOSE_GOING_AWAY, CLOSE_REASON);
      return;
    case 'event-stream': {
      const { socket } = item;
      item.response.end(() => socket.end());
      return;
    }
    case 'http2':
      item.session.close();
      return;
    case 'http2-event-stream':
      item.stream.end();
      return;
  }
}

/** Ends what did not finish its polite close by the deadline (`ws` first, so it knows its socket is gone). */
export function closeNow(item: LongLived): void {
  if (item.kind === 'websocket') item.ws.terminate();
  else connectionOf(item).destroy();
}

/** Resolves once the connection has closed. */
export function whenClosed(item: LongLived): Promise<void> {
  const emitter = connectionOf(item);
  if (emitter.destroyed) return Promise.resolve();
  return new Promise((resolve) => emitter.once('close', () => resolve()));
}

/** Same identity for the same connection, so a rescan does not schedule one twice. */
export function connectionOf(item: LongLived): Http2Session | ServerHttp2Stream | Socket {
  switch (item.kind) {
    case 'http2':
      return item.session;
    case 'http2-event-stream':
      return item.stream;
    default:
      return item.socket;
  }
}
