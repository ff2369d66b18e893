import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { TestEvent } from './fixtures/protocol.ts';
import { isAlive, reapAll } from './helpers/processes.ts';
import { startTestPrimary, type TestPrimary } from './helpers/test-primary.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

type WorkerMessageEvent = Extract<TestEvent, { event: 'worker-message' }>;

const messageFrom =
  (pid: number, match: (message: Record<string, unknown>) => boolean) =>
  (event: TestEvent): event is WorkerMessageEvent =>
    event.event === 'worker-message' &&
    event.pid === pid &&
    typeof event.message === 'object' &&
    event.message !== null &&
    match(event.message as Record<string, unknown>);

const messagesOf = (primary: TestPrimary, pid: number): Record<string, unknown>[] =>
  primary.events.flatMap((event) =>
    event.event === 'worker-message' && event.pid === pid ? [event.message as Record<string, unknown>] : [],
  );

describe('worker runtime inside real cluster workers', function () {
  this.timeout(30_000);
  let primary: TestPrimary;
  /**
   * The app loads the worker API from a copy of src/worker, as an app importing `cluster-orchestrator/worker`
   * from its own node_modules would: two module instances, one process.
   */
  let apiCopy: string;

  before(() => {
    apiCopy = mkdtempSync(join(tmpdir(), 'orchestrator-worker-api-'));
    cpSync(fileURLToPath(new URL('../../src/worker', import.meta.url)), apiCopy, { recursive: true });
  });
  after(() => rmSync(apiCopy, { recursive: true, force: true }));

  beforeEach(() => {
    primary = startTestPrimary();
  });
  afterEach(async () => {
    expect(await primary.shutdown(), 'processes that outlived the test').to.deep.equal([]);
  });

  const startJob = () =>
    primary.command(
      {
        cmd: 'start',
        app: fixture('job-app.ts'),
        count: 1,
        waitFor: 'online',
        env: { WORKER_API_MODULE: pathToFileURL(join(apiCopy, 'index.ts')).href },
      },
      'started',
    );

  it('delivers ready() to the primary and gives the app its info, through a separate copy of the API', async () => {
    const { pids } = await startJob();
    const pid = pids[0] as number;

    await primary.waitFor(messageFrom(pid, (message) => message.orchestrator === 'ready'));
    const reported = await primary.waitFor(messageFrom(pid, (message) => message.app === 'info'));
    expect(reported.message).to.deep.equal({ app: 'info', info: { group: 'test', index: 0, id: 1 } });
  });

  it('drains a worker without a server: runs its onShutdown hooks in order, says drained, exits 0', async () => {
    const { pids } = await startJob();
    const pid = pids[0] as number;
    await primary.waitFor(messageFrom(pid, (message) => message.orchestrator === 'ready'));

    const { exit } = await primary.command({ cmd: 'drain', index: 0, graceMs: 1000 }, 'drained');

    expect(exit).to.include({ code: 0, signal: null, drained: true });
    const ordered = messagesOf(primary, pid).filter(
      (message) => message.app === 'hook' || message.orchestrator === 'drained',
    );
    expect(ordered).to.deep.equal([
      { app: 'hook', n: 1 },
      { app: 'hook', n: 2 },
      { orchestrator: 'drained' },
    ]);
  });

  it("exits only after the primary's drained-ack (which the real primary sends once it saw the close)", async () => {
    const { pids } = await startJob();
    const pid = pids[0] as number;
    await primary.waitFor(messageFrom(pid, (message) => message.orchestrator === 'ready'));

    // the ack comes 300 ms after 'drained', well within the worker's 1 s bound for it
    const { exit } = await primary.command(
      { cmd: 'drain', index: 0, graceMs: 1000, ackAfterMs: 300 },
      'drained',
    );

    expect(exit).to.include({ code: 0, signal: null, drained: true, exitedAfterAck: true });
  });

  it('sends heartbeats with the RSS and loop delay about every second', async () => {
    const { pids } = await primary.command(
      { cmd: 'start', app: fixture('http-app.ts'), count: 1, waitFor: 'listening' },
      'started',
    );
    const pid = pids[0] as number;
    const isBeat = messageFrom(pid, (message) => message.orchestrator === 'heartbeat');
    let beats = 0;
    // waitFor scans past events, then new ones, each once: counting in the predicate waits for the second.
    await primary.waitFor((event) => isBeat(event) && ++beats === 2, 5000);

    for (const { message } of primary.events.filter(isBeat)) {
      expect(message).to.include.keys('orchestrator', 'rss', 'loopDelayMs');
      expect((message as { rss: number }).rss).to.be.greaterThan(1024 * 1024);
    }
  });

  it('reports a stall after the app blocked its event loop (the beats were late by the blocked time)', async () => {
    const { pids } = await primary.command(
      {
        cmd: 'start',
        app: fixture('blocking-app.ts'),
        count: 1,
        waitFor: 'listening',
        env: { BLOCK_MS: '2500' },
      },
      'started',
    );
    const pid = pids[0] as number;
    const afterStall = await primary.waitFor(
      messageFrom(
        pid,
        (message) => message.orchestrator === 'heartbeat' && (message.loopDelayMs as number) >= 1000,
      ),
      10_000,
    );
    // In milliseconds, and of the order of the block (a beat is late by about the 2500 ms it was stuck).
    expect((afterStall.message as { loopDelayMs: number }).loopDelayMs).to.be.within(1000, 5000);
  });

  it('treats a SIGTERM sent straight to the worker as a drain', async () => {
    const { pids } = await startJob();
    const pid = pids[0] as number;
    await primary.waitFor(messageFrom(pid, (message) => message.orchestrator === 'ready'));

    process.kill(pid, 'SIGTERM');
    const { exit } = (await primary.waitFor(
      (event) => event.event === 'worker-exit' && event.exit.pid === pid,
    )) as Extract<TestEvent, { event: 'worker-exit' }>;

    expect(exit).to.include({ code: 0, signal: null, drained: true });
    expect(messagesOf(primary, pid).filter((message) => message.app === 'hook')).to.have.length(2);
  });

  it('leaves SIGTERM to an app that handles it itself', async () => {
    const { pids } = await primary.command(
      { cmd: 'start', app: fixture('own-signal-app.ts'), count: 1, waitFor: 'listening' },
      'started',
    );
    const pid = pids[0] as number;

    process.kill(pid, 'SIGTERM');
    const { exit } = (await primary.waitFor(
      (event) => event.event === 'worker-exit' && event.exit.pid === pid,
    )) as Extract<TestEvent, { event: 'worker-exit' }>;

    expect(exit).to.include({ code: 3, drained: false });
    expect(messagesOf(primary, pid)).to.deep.include({ app: 'own-sigterm' });
  });

  it('drains a plain net server: stops accepting, lets an open connection finish, then exits 0', async () => {
    const { port } = await primary.command(
      { cmd: 'start', app: fixture('net-app.ts'), count: 1, waitFor: 'listening' },
      'started',
    );
    const client = net.connect(port as number, '127.0.0.1');
    try {
      await new Promise((resolve) => client.once('connect', resolve));
      const echo = async (text: string): Promise<string> => {
        const answer = new Promise<string>((resolve) =>
          client.once('data', (data: Buffer) => resolve(data.toString())),
        );
        client.write(text);
        return answer;
      };
      expect(await echo('before')).to.equal('before');

      const drained = primary.command({ cmd: 'drain', index: 0, graceMs: 200, timeoutMs: 10_000 }, 'drained');
      await sleep(500);
      expect(await echo('during'), 'the open connection keeps working').to.equal('during');
      const refused = await new Promise<string>((resolve) => {
        const late = net.connect(port as number, '127.0.0.1');
        late.once('connect', () => {
          late.destroy();
          resolve('accepted');
        });
        late.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(refused, 'no new connection').to.equal('ECONNREFUSED');

      client.end();
      const { exit } = await drained;
      expect(exit).to.include({ code: 0, signal: null, drained: true });
    } finally {
      client.destroy();
    }
  });

  it('exits promptly when its primary dies', async () => {
    const { pids } = await primary.command(
      { cmd: 'start', app: fixture('http-app.ts'), count: 2, waitFor: 'listening' },
      'started',
    );
    expect(pids.every(isAlive)).to.equal(true);

    process.kill(primary.pid, 'SIGKILL');

    // Usually within milliseconds; the bound leaves room for a busy 2-core machine.
    expect(await reapAll(pids, 5000), 'workers still alive 5 s after the primary died').to.deep.equal([]);
  });
});
