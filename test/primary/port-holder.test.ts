import { createServer, type Server } from 'node:net';
import { expect } from 'chai';
import type { Logger } from 'pino';
import { ListenFailures } from '../../src/primary/listen-failures.ts';
import { findPortHolder, parseListenFailure } from '../../src/primary/port-holder.ts';

describe('a worker that cannot listen', () => {
  it('is recognised by its error line, with the address and port', () => {
    expect(parseListenFailure('Error: listen EADDRINUSE: address already in use 0.0.0.0:4150')).to.deep.equal(
      {
        code: 'EADDRINUSE',
        address: '0.0.0.0',
        port: 4150,
      },
    );
    expect(parseListenFailure('Error: bind EADDRINUSE null:4150')).to.deep.equal({
      code: 'EADDRINUSE',
      address: null,
      port: 4150,
    });
    expect(parseListenFailure('Error: listen EADDRINUSE: address already in use :::80')).to.deep.include({
      address: '::',
      port: 80,
    });
    expect(parseListenFailure('Error: listen EACCES: permission denied 0.0.0.0:80')).to.deep.include({
      code: 'EACCES',
    });
    expect(parseListenFailure('Error: connect ECONNREFUSED 127.0.0.1:5432')).to.equal(null);
  });

  it("finds the process holding a port from /proc (here: this test's own server)", async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const holder = await findPortHolder(port);
      expect(holder?.pid).to.equal(process.pid);
      expect(holder?.command).to.include(process.argv[1]);
    } finally {
      server.close();
    }
  });

  it('finds nobody on a port nobody listens on, and nothing without /proc', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    expect(await findPortHolder(port)).to.equal(null);
    expect(await findPortHolder(port, '/nonexistent')).to.equal(null);
  });

  it('is logged once per cause, not once per attempt, and again after 10 minutes', async () => {
    const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const log = { error: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }) };
    let now = 0;
    const failures = new ListenFailures(
      log as unknown as Logger,
      () => now,
      async () => ({ pid: 42, command: 'node old.js' }),
    );
    const inUse = 'Error: listen EADDRINUSE: address already in use 0.0.0.0:4150';
    await failures.exited('web', inUse);
    now += 1000;
    await failures.exited('web', inUse);
    await failures.exited('web', 'TypeError: something else');
    await failures.exited('web', null);
    expect(lines.map((l) => l.msg)).to.deep.equal([
      'web: 0.0.0.0:4150 is already in use, held by pid 42 (node old.js); its workers cannot listen',
    ]);
    expect(lines[0]?.fields).to.deep.include({ group: 'web', code: 'EADDRINUSE', port: 4150 });
    await failures.exited('api', 'Error: bind EADDRINUSE null:4151');
    now += 10 * 60_000;
    await failures.exited('web', inUse);
    expect(lines.map((l) => l.msg)).to.deep.equal([
      'web: 0.0.0.0:4150 is already in use, held by pid 42 (node old.js); its workers cannot listen',
      'api: port 4151 is already in use, held by pid 42 (node old.js); its workers cannot listen',
      'web: 0.0.0.0:4150 is already in use, held by pid 42 (node old.js); its workers cannot listen',
    ]);
  });
});
