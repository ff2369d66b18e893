import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import WebSocket, { WebSocketServer } from 'ws';
import { drainWorker } from '../../src/worker/drain.ts';
import { findLongLived } from '../../src/worker/long-lived.ts';
import { createServerRegistry, type ServerRegistry } from '../../src/worker/server-registry.ts';

/**
 * The drain's handling of long-lived connections, in-process with real sockets: the servers are tracked by a
 * real registry (as in a worker), and `drainWorker` runs with what the runtime passes it.
 */

const port = (server: { address(): unknown }): number => (server.address() as AddressInfo).port;

interface Closed {
  readonly code: number;
  readonly reason: string;
  readonly at: number;
}

function closedOf(client: WebSocket): Promise<Closed> {
  return new Promise((resolve) =>
    client.once('close', (code, reason) =>
      resolve({ code, reason: reason.toString(), at: performance.now() }),
    ),
  );
}

describe('drainWorker: long-lived connections (in-process, real sockets)', () => {
  let registry: ServerRegistry;
  const cleanups: (() => unknown)[] = [];
  beforeEach(() => {
    registry = createServerRegistry();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    registry.dispose();
  });

  const drain = (spreadMs: number, timeoutMs: number, counts: number[] = []) =>
    drainWorker(
      { graceMs: 50, timeoutMs, spreadMs },
      {
        servers: registry.servers(),
        hooks: [],
        longLived: () => findLongLived(registry.sockets(), registry.sessions(), registry.streams()),
        onLongLivedCount: (open) => counts.push(open),
        warn: () => {},
      },
    );

  async function wsServer(): Promise<{ server: http.Server; url: string }> {
    const server = http.createServer((_request, response) => response.end('ok'));
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      wss.close();
      server.closeAllConnections();
      server.close();
    });
    return { server, url: `ws://127.0.0.1:${port(server)}` };
  }

  async function connect(url: string): Promise<WebSocket> {
    const client = new WebSocket(url);
    cleanups.push(() => client.terminate());
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    return client;
  }

  it('closes every WebSocket with 1001 and a reason, spread over the window, then the server closes', async () => {
    const { server, url } = await wsServer();
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(url)));
    const closes = clients.map(closedOf);
    const counts: number[] = [];
    const start = performance.now();

    const report = await drain(800, 10_000, counts);
    const closed = await Promise.all(closes);

    expect(closed.map((close) => close.code)).to.deep.equal([1001, 1001, 1001, 1001, 1001]);
    expect(closed[0]?.reason).to.equal('server restarting');
    const times = closed.map((close) => close.at - start).sort((a, b) => a - b);
    // Slots at 0, 160, 320, 480, 640 ms: the last is well after the first, and all inside the window.
    expect((times[4] ?? 0) - (times[0] ?? 0)).to.be.at.least(400);
    expect(report.longLived).to.deep.equal({ found: 5, endedAtDeadline: 0 });
    expect(report.serversTimedOut).to.equal(false);
    expect(server.listening).to.equal(false);
    expect(counts[0]).to.equal(5);
    expect(counts.at(-1)).to.equal(0);
  });

  it('ends a WebSocket whose client never answers the close frame at the deadline', async () => {
    const { url } = await wsServer();
    const polite = await connect(url);
    const silent = await connect(url);
    // A paused socket reads nothing, so this client never sees the close frame nor answers it.
    (silent as unknown as { _socket: { pause(): void } })._socket.pause();
    const politeClosed = closedOf(polite);

    const report = await drain(0, 2000);

    expect((await politeClosed).code).to.equal(1001);
    expect(report.longLived).to.deep.equal({ found: 2, endedAtDeadline: 1 });
    expect(report.serversTimedOut).to.equal(false);
  });

  it('ends a server-sent event stream cleanly (final chunk, then the socket closes)', async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: hello\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      server.closeAllConnections();
      server.close();
    });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`http://127.0.0.1:${port(server)}/`, resolve).on('error', reject),
    );
    const ended = new Promise<{ body: string; clean: boolean }>((resolve, reject) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ body, clean: response.complete }));
      response.on('error', reject);
    });

    const report = await drain(0, 5000);

    expect(await ended).to.deep.equal({ body: 'data: hello\n\n', clean: true });
    expect(report.longLived).to.deep.equal({ found: 1, endedAtDeadline: 0 });
  });

  it('sends GOAWAY on an HTTP/2 session and lets its open stream finish', async () => {
    let respond = (): void => {};
    const server = http2.createServer();
    server.on('stream', (stream) => {
      respond = () => {
        stream.respond({ ':status': 200 });
        stream.end('done');
      };
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const session = http2.connect(`http://127.0.0.1:${port(server)}`);
    cleanups.push(() => session.destroy());
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const request = session.request({ ':path': '/' });
    const body = new Promise<string>((resolve, reject) => {
      let data = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        data += chunk;
      });
      request.on('end', () => resolve(data));
      request.on('error', reject);
    });
    await new Promise<void>((resolve) => server.once('stream', () => resolve()));

    const draining = drain(0, 5000);
    await goaway;
    respond();

    expect(await body).to.equal('done');
    const report = await draining;
    expect(report.longLived).to.deep.equal({ found: 1, endedAtDeadline: 0 });
    expect(report.serversTimedOut).to.equal(false);
  });

  it('ends an HTTP/2 event stream cleanly (END_STREAM, not a reset), then the session closes', async () => {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
      stream.write('data: hello\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const session = http2.connect(`http://127.0.0.1:${port(server)}`);
    cleanups.push(() => session.destroy());
    const request = session.request({ ':path': '/events' });
    const ended = new Promise<{ body: string; rstCode: number | undefined }>((resolve, reject) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => resolve({ body, rstCode: request.rstCode }));
      request.on('error', reject);
    });
    await new Promise((resolve) => request.once('response', resolve));

    const report = await drain(0, 5000);

    // 0 is NGHTTP2_NO_ERROR: the stream ended normally (a reset at the deadline would carry CANCEL).
    expect(await ended).to.deep.equal({ body: 'data: hello\n\n', rstCode: 0 });
    expect(report.longLived).to.deep.equal({ found: 2, endedAtDeadline: 0 });
  });

  it('tells onDrain hooks when the drain starts, with the spread window, while the servers still hold connections', async () => {
    const { server, url } = await wsServer();
    const client = await connect(url);
    const seen: { spreadMs: number; wsOpen: boolean }[] = [];
    const warnings: string[] = [];
    const closed = closedOf(client);

    await drainWorker(
      { graceMs: 50, timeoutMs: 10_000, spreadMs: 20_000 },
      {
        servers: registry.servers(),
        hooks: [],
        drainHooks: [
          ({ spreadMs }) => void seen.push({ spreadMs, wsOpen: client.readyState === WebSocket.OPEN }),
          () => {
            throw new Error('broker gone');
          },
        ],
        longLived: () => findLongLived(registry.sockets(), registry.sessions()),
        warn: (line) => warnings.push(line),
      },
    );

    // 20 s do not fit the 7.5 s the servers get of a 10 s deadline: the window is capped at 6.5 s.
    expect(seen).to.deep.equal([{ spreadMs: 6500, wsOpen: true }]);
    expect(warnings.join('\n')).to.match(/onDrain hook #2 threw: Error: broker gone/);
    expect((await closed).code).to.equal(1001);
    expect(server.listening).to.equal(false);
  });
});
