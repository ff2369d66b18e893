import type { Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { createLocalHost } from '../../../src/primary/hosts/local-host.ts';
import type { HostEvent } from '../../../src/primary/hosts/types.ts';

/** Stands in for a node:cluster worker: what `fork()` returns, whose events the test emits. */
class FakeWorker extends EventEmitter {
  readonly id = -1;
  readonly process: { pid: number | undefined; stdout: null; stderr: null };
  constructor(pid: number | undefined) {
    super();
    this.process = { pid, stdout: null, stderr: null };
  }
  isConnected(): boolean {
    return false;
  }
  isDead(): boolean {
    return false;
  }
}

const request = { worker: 7, entry: '/app.js', args: [], execArgv: [], env: {} };

function hostWith(fork: () => FakeWorker) {
  const events: HostEvent[] = [];
  const host = createLocalHost('round-robin', '/preload.js', (event) => events.push(event), {
    forkWorker: () => fork() as unknown as Worker,
  });
  return { host, events };
}

describe('local host', () => {
  it('reports a fork whose spawn fails after fork() returned (EMFILE: error, no pid, no exit) as an exit, once', async () => {
    const worker = new FakeWorker(undefined);
    const { host, events } = hostWith(() => worker);
    host.fork(request);
    worker.emit('error', new Error('spawn node EMFILE'));
    const reported = [{ type: 'exit', worker: 7, code: null, signal: null, error: 'spawn node EMFILE' }];
    expect(events).to.deep.equal(reported);
    // Should an exit or another error follow after all, the engine still hears of one exit only.
    worker.emit('error', new Error('spawn node EMFILE'));
    worker.emit('exit', null, null);
    expect(events).to.deep.equal(reported);
    // Nothing is left to wait for: closing the host does not hang on the worker that never existed.
    await host.close();
  });

  it('reports a fork that throws as an exit at once', () => {
    const { host, events } = hostWith(() => {
      throw new Error('spawn ENOMEM');
    });
    host.fork(request);
    expect(events).to.deep.equal([
      { type: 'exit', worker: 7, code: null, signal: null, error: 'spawn ENOMEM' },
    ]);
  });

  it('takes an error of a live worker (a failed send) for no exit: its real exit comes later, reported once', () => {
    const worker = new FakeWorker(4242);
    const { host, events } = hostWith(() => worker);
    host.fork(request);
    worker.emit('error', new Error('channel closed'));
    expect(events.map((event) => event.type)).to.deep.equal(['forked']);
    worker.emit('exit', 1, null);
    worker.emit('exit', 1, null);
    expect(events.slice(1)).to.deep.equal([{ type: 'exit', worker: 7, code: 1, signal: null }]);
  });
});
