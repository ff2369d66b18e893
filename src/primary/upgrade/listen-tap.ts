import net from 'node:net';
import type { HandedSocket } from './shared-handle-tap.ts';

/**
 * A listening socket of this primary, as it can be handed to a successor: `handle` is the libuv handle
 * (what `subprocess.send(message, handle)` carries and `server.listen(handle)` takes back).
 */
export interface TappedListener {
  /** `host:port` for TCP (host empty when the app listened on every address), the path for a Unix socket. */
  readonly key: string;
  readonly handle: object;
  /** Stops accepting on this process's copy of the socket; a successor's copy keeps the socket and its queue. */
  stopAccepting(): void;
}

export interface ListenTap {
  /** The listeners open now that a successor can inherit. */
  listeners(): TappedListener[];
  /** A socket received from the predecessor: the first listen on `key` in this process uses it instead of binding. */
  adopt(key: string, handle: object): void;
  /** The adopted sockets not listened on yet (an `os` helper gets a copy of each: docs/upgrade.md). */
  inherited(): HandedSocket[];
  /**
   * Closes the adopted sockets nothing listened on: the new primary is ready, and a socket it kept would stay
   * in LISTEN with nobody accepting (its group was removed, or runs in a helper that has its own copy).
   */
  releaseInherited(): void;
  /**
   * Resolves once every connection this primary accepted has been handed to a worker (bounded by
   * `timeoutMs`). node:cluster queues accepted connections while every worker is busy, and closes that queue
   * when its last worker leaves: after `stopAccepting`, an upgrade waits for this before draining the
   * workers, so no accepted connection is reset.
   */
  handedOut(timeoutMs: number): Promise<void>;
}

type ListenFn = (this: net.Server, ...args: unknown[]) => net.Server;

interface Target {
  readonly key: string;
  /** Listened by node:cluster's round-robin handle for a worker (as opposed to the primary's own endpoints). */
  readonly roundRobin: boolean;
}

let installed: ListenTap | null = null;

/**
 * Wraps `net.Server.prototype.listen` in the primary, once per process, to see the listening sockets it holds
 * and to hand them over (docs/upgrade.md). node:cluster offers no API for either: its round-robin handle
 * (lib/internal/cluster/round_robin_handle.js) creates a plain `net.Server`, listens on the port a worker asked
 * for, then takes the server's `_handle` for itself. So this wrapper
 * - records the handle of each such server (and of the primary's own TCP endpoints, e.g. /metrics) when it
 *   starts listening, so an upgrade can send it to the new primary and later stop accepting on it;
 * - in a new primary, turns the first listen on an address the predecessor handed over into a listen on the
 *   inherited handle: the workers' `listen(3000)` then shares the old socket (and its accept queue) instead of
 *   failing with EADDRINUSE, and no connection is refused while the two primaries overlap.
 * The control socket is a Unix socket outside node:cluster and is never tapped (it is renamed over instead).
 */
export function installListenTap(): ListenTap {
  if (installed) return installed;
  const original = net.Server.prototype.listen as unknown as ListenFn;
  const open = new Map<object, TappedListener>();
  const inherited = new Map<string, object>();
  const queue = new AcceptQueue();

  const wrapped: ListenFn = function (this: net.Server, ...args: unknown[]) {
    const target = targetOf(args, new Error().stack ?? '');
    if (target === null) return original.apply(this, args);
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    this.once('listening', () => {
      // Runs before the round-robin handle's own 'listening' listener, which takes `_handle` away.
      const handle = (this as unknown as { _handle: object | null })._handle;
      if (handle === null) return;
      const stopAccepting = (): void => {
        open.delete(handle);
        if (target.roundRobin) (handle as { close(): void }).close();
        else this.close();
      };
      open.set(handle, { key: target.key, handle, stopAccepting });
      // Closed by node:cluster (its last worker left) or by the primary: nothing to hand over any more.
      if (target.roundRobin) {
        closeOnce(handle, () => open.delete(handle));
        queue.watch(handle);
      } else this.once('close', () => open.delete(handle));
    });
    const handle = inherited.get(target.key);
    if (handle === undefined) return original.apply(this, args);
    // One use only: once that server closes, its descriptor is gone and a later listen binds afresh.
    inherited.delete(target.key);
    return callback ? original.call(this, handle, callback) : original.call(this, handle);
  };
  net.Server.prototype.listen = wrapped as unknown as typeof net.Server.prototype.listen;

  installed = {
    listeners: () => [...open.values()],
    adopt: (key, handle) => void inherited.set(key, handle),
    inherited: () => [...inherited].map(([key, handle]) => ({ key, handle })),
    releaseInherited() {
      for (const handle of inherited.values()) (handle as { close(): void }).close();
      inherited.clear();
    },
    handedOut: (timeoutMs) => queue.empty(timeoutMs),
  };
  return installed;
}

/**
 * What a listen call binds, for the calls a primary makes: node:cluster's round-robin handle
 * (`{ port, host, ipv6Only }` or a path) and the primary's TCP endpoints (`(port, host, cb)`). Port 0 (any
 * free port) and the primary's own Unix sockets are not handed over.
 */
export function targetOf(args: readonly unknown[], stack: string): Target | null {
  const roundRobin = stack.includes('round_robin_handle');
  const [first, second] = args;
  let port: number | undefined;
  let host: string | undefined;
  let path: string | undefined;
  if (typeof first === 'object' && first !== null) {
    const options = first as { port?: unknown; host?: unknown; path?: unknown };
    if (typeof options.port === 'number' || typeof options.port === 'string') port = Number(options.port);
    if (typeof options.host === 'string') host = options.host;
    if (typeof options.path === 'string') path = options.path;
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    port = Number(first);
    if (typeof second === 'string') host = second;
  } else if (typeof first === 'string') path = first;
  if (port !== undefined) return port > 0 ? { key: `${host ?? ''}:${port}`, roundRobin } : null;
  if (path !== undefined && roundRobin) return { key: path, roundRobin };
  return null;
}

/**
 * Makes `handle.close()` run once, calling `onClose` first: after an upgrade stopped accepting on a
 * round-robin handle, node:cluster closes it again when its last worker leaves.
 */
function closeOnce(handle: object, onClose: () => void): void {
  const target = handle as { close(...args: unknown[]): unknown };
  const close = target.close;
  let closed = false;
  target.close = (...args: unknown[]) => {
    if (closed) return undefined;
    closed = true;
    onClose();
    return close.apply(target, args);
  };
}

/**
 * Counts the connections the round-robin handles accepted and not yet handed to a worker: node:cluster
 * closes each accepted handle once a worker took it (or when it gives up on it).
 */
class AcceptQueue {
  #pending = 0;
  #waiters = new Set<() => void>();

  watch(handle: object): void {
    // node:cluster assigns `onconnection` after 'listening'; wrap whatever it assigns.
    let current: ((error: number, client?: object) => void) | undefined;
    const onConnection = (error: number, client?: object): void => {
      if (client) this.#track(client);
      current?.(error, client);
    };
    Object.defineProperty(handle, 'onconnection', {
      configurable: true,
      get: () => onConnection,
      set: (fn: typeof current) => {
        current = fn;
      },
    });
  }

  #track(client: object): void {
    this.#pending += 1;
    closeOnce(client, () => {
      this.#pending -= 1;
      if (this.#pending === 0) for (const wake of this.#waiters) wake();
    });
  }

  empty(timeoutMs: number): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
    });
  }
}
