import diagnosticsChannel from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Client } from 'undici';
import { drainHttpServer } from '../../src/worker/http-drain.ts';

/** A real server on 127.0.0.1 that answers with the client's port, so a test can tell sockets apart. */
async function startServer(handler?: http.RequestListener): Promise<{ server: http.Server; origin: string }> {
  const server = http.createServer(
    handler ?? ((request, response) => response.end(String(request.socket.remotePort))),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function get(client: Client): Promise<{ status: number; connection: unknown; body: string }> {
  const response = await client.request({ path: '/', method: 'GET' });
  return {
    status: response.statusCode,
    connection: response.headers.connection,
    body: await response.body.text(),
  };
}

describe('drainHttpServer (in-process, real sockets)', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(handler?: http.RequestListener) {
    const started = await startServer(handler);
    const client = new Client(started.origin, { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 30_000 });
    cleanups.push(
      () => started.server.closeAllConnections(),
      () => started.server.close(),
      () => client.destroy(),
    );
    return { ...started, client };
  }

  it('stops accepting new connections as soon as the drain starts', async () => {
    const { server, origin } = await setup();
    const drained = drainHttpServer(server, 50);
    const late = new Client(origin);
    cleanups.push(() => late.destroy());

    const error = await get(late).then(
      () => null,
      (failure: { code?: string }) => failure,
    );
    expect(error?.code).to.equal('ECONNREFUSED');
    await drained;
  });

  it('answers a request that arrives on an idle keep-alive socket during the drain, with Connection: close', async () => {
    const { server, client } = await setup();
    const first = await get(client);
    expect(first.connection).to.equal('keep-alive');

    const drained = drainHttpServer(server, 10_000);
    const second = await get(client);

    expect(second).to.include({ status: 200, connection: 'close' });
    expect(second.body, 'served on the same socket').to.equal(first.body);
    // Once that socket has closed nothing is left: the drain ends without waiting out the grace.
    expect(
      await Promise.race([drained.then(() => 'drained'), sleep(5000).then(() => 'still draining')]),
    ).to.equal('drained');
  });

  it('lets an in-flight request finish', async () => {
    let release = (): void => {};
    let arrived = (): void => {};
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const { server, client } = await setup((_request, response) => {
      arrived();
      release = () => response.end('finished');
    });
    const pending = get(client);
    await arrival;

    const drained = drainHttpServer(server, 100);
    await sleep(200);
    release();

    expect(await pending).to.include({ status: 200, body: 'finished' });
    await drained;
  });

  it('destroys a socket that stays idle only when the grace ends', async () => {
    const { server, client } = await setup();
    const sockets: Socket[] = [];
    server.on('connection', (socket: Socket) => sockets.push(socket));
    await get(client);
    const socket = sockets[0] as Socket;
    const socketClosed = new Promise<number>((resolve) =>
      socket.once('close', () => resolve(performance.now())),
    );

    const start = performance.now();
    await drainHttpServer(server, 300);

    // Timers never fire early by more than clock rounding; the 5 ms absorbs that.
    expect((await socketClosed) - start).to.be.at.least(295);
  });

  describe('a response that was already streaming with keep-alive headers when the drain began', () => {
    // Its headers went out (keep-alive) before the drain; its body ends after the 200 ms grace, at ~400 ms.
    async function slowSetup() {
      const { server, client } = await setup((request, response) => {
        if (request.url === '/slow') {
          response.writeHead(200, { 'content-length': '4' });
          response.write('sl');
          setTimeout(() => response.end('ow'), 400);
        } else response.end(String(request.socket.remotePort));
      });
      const sockets: Socket[] = [];
      server.on('connection', (socket: Socket) => sockets.push(socket));
      const slowResponse = await client.request({ path: '/slow', method: 'GET' });
      expect(slowResponse.headers.connection).to.equal('keep-alive');
      const drained = drainHttpServer(server, 200);
      expect(await slowResponse.body.text()).to.equal('slow');
      return { client, drained, bodyEndedAt: performance.now(), socket: sockets[0] as Socket };
    }

    it('answers the next request on that socket instead of resetting it', async () => {
      const { client, drained } = await slowSetup();
      await sleep(50);
      expect(await get(client)).to.include({ status: 200, connection: 'close' });
      await drained;
    });

    it('closes that socket once it has been idle for its own grace, which ends the drain', async () => {
      const { drained, bodyEndedAt, socket } = await slowSetup();
      const socketClosed = new Promise<number>((resolve) =>
        socket.once('close', () => resolve(performance.now())),
      );
      const ended = await Promise.race([
        drained.then(() => 'drained'),
        sleep(3000).then(() => 'still draining'),
      ]);

      expect(ended).to.equal('drained');
      expect((await socketClosed) - bodyEndedAt).to.be.at.least(195);
    });
  });

  it('leaves the request channels unsubscribed once nothing drains (no per-request cost while serving)', async () => {
    const { server, client } = await setup();
    await get(client);
    expect(diagnosticsChannel.hasSubscribers('http.server.request.start')).to.equal(false);

    const drained = drainHttpServer(server, 50);
    expect(diagnosticsChannel.hasSubscribers('http.server.request.start')).to.equal(true);
    await drained;
    expect(diagnosticsChannel.hasSubscribers('http.server.request.start')).to.equal(false);
  });
});
