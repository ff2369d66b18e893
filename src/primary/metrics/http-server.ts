import type { Server } from 'node:http';
import { http } from '../http-module.ts';
import { keepAccepting } from '../keep-accepting.ts';

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export type Route = () => Reply | Promise<Reply>;

export interface HttpEndpoint {
  /** `http://host:port`, with the port the kernel picked when 0 was asked for. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A tiny GET-only router on node:http: no framework in the primary, whose event loop also hands out every
 * round-robin connection. Unknown paths are 404, other methods 405; a route that throws is a 500.
 */
export async function listenHttp(
  host: string,
  port: number,
  routes: Readonly<Record<string, Route>>,
  /** Told of the first connection it could not accept (out of file descriptors); it keeps serving. */
  onAcceptError: (error: Error) => void = () => {},
): Promise<HttpEndpoint> {
  const server: Server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    const send = (reply: Reply) => {
      response.writeHead(reply.status, {
        'content-type': reply.contentType,
        'cache-control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : reply.body);
    };
    if (route === undefined) return send(text(404, 'not found\n'));
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(text(405, 'method not allowed\n'));
    Promise.resolve()
      .then(route)
      .then(send, (error: unknown) => send(text(500, `${String((error as Error)?.message ?? error)}\n`)));
  });
  // A scraper's keep-alive connection must not hold up the primary's exit.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  keepAccepting(server, onAcceptError);
  server.unref();
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function text(status: number, body: string): Reply {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

export function json(status: number, value: unknown): Reply {
  return { status, contentType: 'application/json', body: `${JSON.stringify(value)}\n` };
}
