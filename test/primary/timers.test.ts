import { expect } from 'chai';
import { createTimers } from '../../src/primary/timers.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('primary timers', () => {
  it('reports a key once its due time has come', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('respawn:web:0', Date.now() + 5);
    expect(fired).to.deep.equal([]);
    await tick(40);
    expect(fired).to.deep.equal(['respawn:web:0']);
    expect(timers.size).to.equal(0);
  });

  it('fires a due time already past at once, on the next turn', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('late', Date.now() - 1000);
    await tick(5);
    expect(fired).to.deep.equal(['late']);
  });

  it('replaces the earlier timer when a key is set again', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('deadline', Date.now() + 5);
    timers.set('deadline', Date.now() + 60_000);
    await tick(40);
    expect(fired).to.deep.equal([]);
    expect(timers.size).to.equal(1);
    timers.cancelAll();
  });

  it('never reports a cancelled key', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('a', Date.now() + 5);
    timers.set('b', Date.now() + 5);
    timers.cancel('a');
    timers.cancel('unknown');
    await tick(40);
    expect(fired).to.deep.equal(['b']);
  });
});

describe('primary timers after a stall of the primary', () => {
  it('reports a deadline only after the messages that arrived while the loop stood still are read', async () => {
    // A loopback pair stands for a worker's IPC pipe: its data is written before the stall, read after it.
    const { createServer, connect } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const accepted = new Promise<import('node:net').Socket>((resolve) => server.once('connection', resolve));
    const client = connect(port, '127.0.0.1');
    const peer = await accepted;
    const order: string[] = [];
    peer.on('data', () => order.push('heartbeat'));
    try {
      const timers = createTimers(Date.now, (key) => order.push(key));
      timers.set('heartbeat:7', Date.now() + 20);
      client.write('beat');
      // The primary stands still past the deadline (a blocked loop; SIGSTOP behaves alike).
      const until = Date.now() + 300;
      while (Date.now() < until) {}
      await tick(50);
      expect(order).to.deep.equal(['heartbeat', 'heartbeat:7']);
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });

  it('never reports a key cancelled between its due time and its report', async () => {
    const fired: string[] = [];
    const timers = createTimers(Date.now, (key) => fired.push(key));
    timers.set('a', Date.now() + 1);
    const until = Date.now() + 30;
    while (Date.now() < until) {}
    // The timeout fires in this turn's timers phase; the cancel below runs in its check phase first.
    setImmediate(() => timers.cancel('a'));
    await tick(30);
    expect(fired).to.deep.equal([]);
    expect(timers.size).to.equal(0);
  });
});
