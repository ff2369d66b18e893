import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createServerRegistry, type ServerRegistry } from '../../src/worker/server-registry.ts';

const closeServer = (server: net.Server): Promise<void> =>
  new Promise((resolve) => server.close(() => resolve()));

describe('createServerRegistry', () => {
  let registry: ServerRegistry;
  const opened: net.Server[] = [];
  beforeEach(() => {
    registry = createServerRegistry();
  });
  afterEach(async () => {
    registry.dispose();
    await Promise.all(
      opened
        .splice(0)
        .filter((server) => server.listening)
        .map(closeServer),
    );
  });

  it('knows every server that calls listen(), however it was made, from the moment it calls it', async () => {
    const plain = net.createServer();
    const web = http.createServer();
    opened.push(plain, web);
    plain.listen(0, '127.0.0.1');
    web.listen(0, '127.0.0.1');
    const app = express().listen(0, '127.0.0.1');
    opened.push(app);

    expect(plain.listening, 'not listening yet').to.equal(false);
    expect(registry.servers()).to.deep.equal([plain, web, app]);
  });

  it('ignores servers that never listen and forgets the ones that close', async () => {
    net.createServer();
    const web = http.createServer();
    opened.push(web);
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    expect(registry.servers()).to.deep.equal([web]);

    await closeServer(web);
    expect(registry.servers()).to.deep.equal([]);
  });

  it('knows a server again when it listens again after closing', async () => {
    const web = http.createServer();
    opened.push(web);
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    await closeServer(web);
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    expect(registry.servers()).to.deep.equal([web]);
  });

  it('stops watching once disposed', async () => {
    registry.dispose();
    const web = http.createServer();
    opened.push(web);
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    expect(registry.servers()).to.deep.equal([]);
  });
});
