import net from 'node:net';

/** A listening socket handed between processes for an upgrade: `handle` is the libuv TCP (or pipe) handle. */
export interface HandedSocket {
  /** `host:port` (host empty when the app listened on every address), as the primary's listen tap keys it. */
  readonly key: string;
  readonly handle: object;
}

export interface SharedHandleTap {
  /** The listening sockets this primary created for its workers and still holds. */
  listeners(): HandedSocket[];
  /** A socket from the predecessor: the first worker listen on `key` shares it instead of binding the port. */
  adopt(socket: HandedSocket): void;
  /** Closes the adopted sockets no worker listened on (the group is gone, or runs elsewhere now). */
  releaseInherited(): void;
}

type CreateServerHandle = (
  address: string | null,
  port: number,
  addressType: number,
  fd: number | undefined,
  flags: number | undefined,
) => object | number;

let installed: SharedHandleTap | null = null;

/**
 * Wraps `net._createServerHandle` in a `scheduling: 'os'` helper primary (host-process.ts), once per process.
 * With SCHED_NONE, node:cluster's primary creates the listening socket for a worker's `listen(3000)` itself
 * (lib/internal/cluster/shared_handle.js: `net._createServerHandle(address, port, addressType, fd, flags)`),
 * holds it, and sends a copy to every worker, which listens and accepts on it; the primary never accepts.
 * There is no API to reach that handle, nor to make node:cluster use a descriptor the worker did not name. So:
 * - each handle created here is recorded under its address, so an upgrade can send it to the new primary;
 * - in a new helper, the first handle asked for an address the predecessor handed over is the inherited one:
 *   the new workers accept from the same socket (and accept queue) as the old ones, instead of failing with
 *   EADDRINUSE, and nothing is refused while both sets of workers overlap (docs/upgrade.md).
 * `_createServerHandle` is read from the `net` module at each call, so replacing it here is seen by node:cluster.
 */
export function installSharedHandleTap(): SharedHandleTap {
  if (installed) return installed;
  const module = net as unknown as { _createServerHandle: CreateServerHandle };
  const original = module._createServerHandle;
  const open = new Map<object, HandedSocket>();
  const inherited = new Map<string, object>();

  module._createServerHandle = (address, port, addressType, fd, flags) => {
    const key = sharedHandleKey(address, port, fd);
    const adopted = key === null ? undefined : inherited.get(key);
    let handle: object | number;
    if (key !== null && adopted !== undefined) {
      // One use only: once node:cluster closes it (its last worker left), a later listen binds afresh.
      inherited.delete(key);
      handle = adopted;
    } else handle = original(address, port, addressType, fd, flags);
    if (key !== null && typeof handle === 'object') {
      open.set(handle, { key, handle });
      onClose(handle, () => open.delete(handle));
    }
    return handle;
  };

  installed = {
    listeners: () => [...open.values()],
    adopt: ({ key, handle }) => void inherited.set(key, handle),
    releaseInherited() {
      for (const handle of inherited.values()) (handle as { close(): void }).close();
      inherited.clear();
    },
  };
  return installed;
}

/**
 * The tap's key for a socket node:cluster creates for a worker's listen: `host:port` like the primary's listen
 * tap (so a socket can move between a round-robin and an `os` group across an upgrade), or null for what is
 * not handed over (port 0, a descriptor the worker named, a Unix socket).
 */
export function sharedHandleKey(address: string | null, port: number, fd: number | undefined): string | null {
  if (typeof fd === 'number' && fd >= 0) return null;
  if (!(port > 0)) return null;
  return `${address ?? ''}:${port}`;
}

function onClose(handle: object, listener: () => void): void {
  const target = handle as { close(...args: unknown[]): unknown };
  const close = target.close;
  target.close = (...args: unknown[]) => {
    listener();
    return close.apply(target, args);
  };
}
