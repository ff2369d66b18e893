import net from 'node:net';

/** A TCP listen rewritten for SO_REUSEPORT: the options object and the callback, if any. */
export interface ReusePortListen {
  readonly options: net.ListenOptions;
  readonly callback: (() => void) | undefined;
}

function fixedPort(port: unknown): boolean {
  if (typeof port === 'number') return Number.isInteger(port) && port > 0;
  return typeof port === 'string' && /^\d+$/.test(port) && Number(port) > 0;
}

/**
 * The arguments of a `server.listen(...)` call as a reusePort listen, or null to leave the call as it is:
 * pipes, handles, file descriptors, and port 0 (every worker would get a port of its own; node:cluster's
 * round-robin gives them one shared port instead). `exclusive` makes the worker bind the socket itself
 * rather than ask the primary for it; `reusePort` sets SO_REUSEPORT so every worker can bind the same port.
 */
export function reusePortListen(args: readonly unknown[]): ReusePortListen | null {
  const [first] = args;
  const callback = args.find((arg): arg is () => void => typeof arg === 'function');
  if (typeof first === 'object' && first !== null) {
    const options = first as net.ListenOptions & { fd?: unknown; handle?: unknown; _handle?: unknown };
    if (options.path !== undefined || options.fd !== undefined || options.handle !== undefined) return null;
    if (options._handle !== undefined || !fixedPort(options.port)) return null;
    return {
      options: { ...options, port: Number(options.port), exclusive: true, reusePort: true },
      callback,
    };
  }
  if (!fixedPort(first)) return null;
  const rest = args.slice(1);
  const host = typeof rest[0] === 'string' ? rest[0] : undefined;
  const backlog = rest.find((arg): arg is number => typeof arg === 'number');
  return {
    options: {
      port: Number(first),
      ...(host === undefined ? {} : { host }),
      ...(backlog === undefined ? {} : { backlog }),
      exclusive: true,
      reusePort: true,
    },
    callback,
  };
}

/**
 * Makes every TCP `listen()` of this worker bind its own SO_REUSEPORT socket (`scheduling: 'reusePort'`):
 * the kernel spreads new connections over the workers' sockets and the primary is off the connection
 * path. Wrapping `listen` is the one place every server (http, https, net, Express, Fastify) passes through
 * before node:cluster decides where the socket lives. `onListening` runs each time such a server listens.
 */
export function bindWithReusePort(onListening: () => void): void {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const rewritten = reusePortListen(args);
    if (rewritten === null) return (listen as (...a: unknown[]) => net.Server).apply(this, args);
    this.once('listening', onListening);
    return listen.call(this, rewritten.options, rewritten.callback);
  } as typeof listen;
}
