import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Client } from 'undici';
import { drainWorker } from '../../src/worker/drain.ts';

function listen<T extends net.Server>(server: T): Promise<T> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const port = (server: net.Server): number => (server.address() as AddressInfo).port;

describe('drainWorker (in-process)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('closes every listening server before running the hooks', async () => {
    const web = await listen(http.createServer((_request, response) => response.end('ok')));
    const tcp = await listen(net.createServer());
    cleanups.push(
      () => web.close(),
      () => tcp.close(),
    );
    const client = new Client(`http://127.0.0.1:${port(web)}`);
    cleanups.push(() => client.destroy());
    await (await client.request({ path: '/', method: 'GET' })).body.text();

    const seenByHook: boolean[] = [];
    const report = await drainWorker(
      { graceMs: 100, timeoutMs: 5000, spreadMs: 0 },
      {
        servers: [web, tcp],
        hooks: [() => void seenByHook.push(web.listening, tcp.listening)],
        warn: () => {},
      },
    );

    expect(seenByHook).to.deep.equal([false, false]);
    expect(report).to.deep.include({ servers: 2, serversTimedOut: false });
    expect(report.hooks).to.deep.equal([{ index: 0, result: 'ok' }]);
  });

  it('leaves an open plain-net connection alone until the servers share of the budget is spent, then runs the hooks', async () => {
    const tcp = await listen(net.createServer((socket) => socket.pipe(socket)));
    const client = net.connect(port(tcp), '127.0.0.1');
    cleanups.push(
      () => client.destroy(),
      () => tcp.close(),
    );
    await new Promise((resolve) => client.once('connect', resolve));
    const warnings: string[] = [];
    let hookRanAt = 0;
    const start = performance.now();

    const draining = drainWorker(
      { graceMs: 50, timeoutMs: 800, spreadMs: 0 },
      {
        servers: [tcp],
        hooks: [
          () => {
            hookRanAt = performance.now();
          },
        ],
        warn: (line) => warnings.push(line),
      },
    );
    // Mid-drain, the open connection still works.
    await sleep(100);
    client.write('ping');
    const [echo] = (await Promise.race([
      new Promise((resolve) => client.once('data', (data: Buffer) => resolve([data.toString()]))),
      sleep(1000).then(() => ['no echo']),
    ])) as [string];
    expect(echo).to.equal('ping');

    const report = await draining;
    expect(report.serversTimedOut).to.equal(true);
    // 75% of 800 ms go to the servers; the hook runs after that, inside the deadline.
    expect(hookRanAt - start).to.be.at.least(595);
    expect(warnings.join('\n')).to.match(/open connections after 600 ms/);
  });

  it('closes a server whose listen() was still in flight as soon as it listens, without waiting for it', async () => {
    const late = net.createServer();
    late.listen(0, '127.0.0.1');
    expect(late.listening).to.equal(false);
    const closed = new Promise((resolve) => late.once('close', resolve));

    const report = await drainWorker(
      { graceMs: 50, timeoutMs: 5000, spreadMs: 0 },
      { servers: [late], hooks: [], warn: () => {} },
    );

    expect(report.servers).to.equal(0);
    await closed;
    expect(late.listening).to.equal(false);
  });

  it('shares what is left of the deadline between the hooks, so a hung one cannot starve the rest', async () => {
    const warnings: string[] = [];
    const ran: string[] = [];
    const report = await drainWorker(
      { graceMs: 50, timeoutMs: 1250, spreadMs: 0 },
      {
        servers: [],
        hooks: [() => new Promise<void>(() => {}), () => void ran.push('second')],
        warn: (line) => warnings.push(line),
      },
    );

    // (1250 - 250 ms exit margin) / 2 hooks: the hung one gets about half and the second still runs.
    const first = report.hooks[0];
    expect(first?.result).to.equal('timed-out');
    expect(first?.result === 'timed-out' && first.afterMs)
      .to.be.above(250)
      .and.at.most(500);
    expect(ran).to.deep.equal(['second']);
    expect(warnings.join('\n')).to.match(/hook #1 did not settle/);
  });

  it('reports a hook that throws, with its error, and carries on', async () => {
    const warnings: string[] = [];
    const report = await drainWorker(
      { graceMs: 50, timeoutMs: 2000, spreadMs: 0 },
      {
        servers: [],
        hooks: [
          () => {
            throw new Error('pool already closed');
          },
          () => {},
        ],
        warn: (line) => warnings.push(line),
      },
    );
    expect(report.hooks.map((hook) => hook.result)).to.deep.equal(['threw', 'ok']);
    expect(warnings.join('\n')).to.match(/hook #1 threw: Error: pool already closed/);
  });
});
