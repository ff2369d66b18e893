import diagnosticsChannel from 'node:diagnostics_channel';
import type { Server as HttpServer, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

/**
 * Draining an HTTP/1.1 server without failing a request a keep-alive client is already sending.
 *
 * Why not `server.close()`: since Node 19 it also calls `closeIdleConnections()`, destroying every keep-alive
 * socket that is idle at that instant. A loaded client reuses such a socket the moment its previous response
 * lands, so its next request is often already on the wire; it meets a closed socket and fails (ECONNRESET /
 * "other side closed"). That is the ~70 failed requests per reload measured with the classic recipe.
 *
 * Instead, for each server:
 *   t=0        `net.Server.prototype.close` (the base close, without the idle sweep): no new connections; in
 *              a cluster worker this also tells the primary to stop routing connections here.
 *   t=0..      every request that starts on a kept-alive socket is answered with `Connection: close`, so
 *              the client reads its response and then reconnects, to another worker.
 *   t=graceMs  sockets still idle (no request started on them) are destroyed: a client that has sent nothing
 *              for a whole grace is not about to.
 *   later      a response that was already streaming when the drain began, with keep-alive headers, leaves its
 *              socket idle when it ends: that socket gets its own `graceMs` before the next sweep.
 *   done       the server's 'close' fires once its last connection is gone.
 */

export function isHttpServer(server: NetServer): server is HttpServer {
  return typeof (server as Partial<HttpServer>).closeIdleConnections === 'function';
}

interface DrainingServer {
  readonly server: HttpServer;
  readonly graceMs: number;
  graceOver: boolean;
  readonly timers: Set<NodeJS.Timeout>;
}

interface RequestEvent {
  readonly server: object;
  readonly response: ServerResponse;
}

const REQUEST_START = 'http.server.request.start';
const RESPONSE_FINISH = 'http.server.response.finish';

/**
 * Keyed by server. The channels are subscribed only while something drains, so a serving worker pays nothing
 * per request for being drainable.
 */
const draining = new Map<object, DrainingServer>();

function onRequestStart(message: unknown): void {
  const { server, response } = message as RequestEvent;
  // Published before the server emits 'request', so the app's handler sees (and may still override) it.
  if (draining.has(server) && !response.headersSent) response.setHeader('Connection', 'close');
}

function onResponseFinish(message: unknown): void {
  const entry = draining.get((message as RequestEvent).server);
  if (entry?.graceOver) sweepIdleAfter(entry, entry.graceMs);
}

function sweepIdleAfter(entry: DrainingServer, delayMs: number): void {
  const timer = setTimeout(() => {
    entry.timers.delete(timer);
    entry.graceOver = true;
    entry.server.closeIdleConnections();
  }, delayMs);
  timer.unref();
  entry.timers.add(timer);
}

function track(entry: DrainingServer): void {
  if (draining.size === 0) {
    diagnosticsChannel.subscribe(REQUEST_START, onRequestStart);
    diagnosticsChannel.subscribe(RESPONSE_FINISH, onResponseFinish);
  }
  draining.set(entry.server, entry);
}

function untrack(entry: DrainingServer): void {
  for (const timer of entry.timers) clearTimeout(timer);
  draining.delete(entry.server);
  if (draining.size === 0) {
    diagnosticsChannel.unsubscribe(REQUEST_START, onRequestStart);
    diagnosticsChannel.unsubscribe(RESPONSE_FINISH, onResponseFinish);
  }
}

/** Resolves when the server has closed: it stopped listening and its last connection ended. */
export function drainHttpServer(server: HttpServer, graceMs: number): Promise<void> {
  if (draining.has(server)) return new Promise((resolve) => server.once('close', () => resolve()));
  const entry: DrainingServer = { server, graceMs, graceOver: false, timers: new Set() };
  track(entry);
  return new Promise((resolve) => {
    // The callback runs on 'close' (with ERR_SERVER_NOT_RUNNING if it was not listening): done either way.
    NetServer.prototype.close.call(server, () => {
      untrack(entry);
      resolve();
    });
    sweepIdleAfter(entry, graceMs);
  });
}
