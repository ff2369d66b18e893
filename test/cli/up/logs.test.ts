import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { isAlive } from '../../chaos/worker-processes.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';

describe('orchestrator up: worker output in the log', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('logs every line of a worker that exits right after writing them, once each, in order, tagged', async () => {
    const up = cluster.start({
      groups: {
        chatty: {
          entry: app('chatty-crash.ts'),
          count: 1,
          restart: { when: 'never' },
          env: { LINES: '20000' },
        },
      },
    });
    await up.waitFor((r) => r.msg === 'worker exited' && r.group === 'chatty', 30_000, 'the worker to exit');
    // The engine hears of the exit at once; lines still in the pipe are logged after that record.
    await up.waitFor((r) => r.msg === 'last words', 30_000, 'the last line');

    const lines = up.records.filter((r) => r.group === 'chatty' && r.stream === 'stdout').map((r) => r.msg);
    expect(lines).to.have.length(20_000);
    expect(lines.every((line, i) => line === `line ${i} ${'x'.repeat(40)}`)).to.equal(true);
    const lastWords = up.records.filter((r) => r.group === 'chatty' && r.stream === 'stderr');
    expect(lastWords.map((r) => [r.msg, r.index, typeof r.pid])).to.deep.equal([['last words', 0, 'number']]);
  });

  it('tells the engine of an exit at once, even while a grandchild holds the pipe, and logs its late lines', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('grandchild-holds-stdout.ts'),
          count: 1,
          backoff: { strategy: 'none' },
          env: { PORT: String(port), STATE_DIR: cluster.dir.path },
        },
      },
    });
    const exit = await up.waitFor(
      (r) => r.msg === 'worker exited' && r.group === 'web',
      30_000,
      'the first worker to exit',
    );
    const late = await up.waitFor((r) => r.msg === 'grandchild late line', 30_000, "the grandchild's line");
    await up.waitForMessage('cluster ready', 30_000);

    // The worker wrote the time it exited; the engine logged the exit. Waiting for the grandchild's pipe
    // (which it holds until the slot's next worker runs) would put the whole flush bound (1 s) in between.
    const said = up.records.find((r) => typeof r.msg === 'string' && r.msg.startsWith('exiting at '));
    const exitedAt = Number(String(said?.msg).slice('exiting at '.length));
    expect(Number(exit.time) - exitedAt).to.be.lessThan(1000);
    // The late line still carries the dead worker's tags, and comes after its exit record.
    expect(late).to.include({ group: 'web', index: 0, stream: 'stdout', pid: said?.pid });
    expect(up.records.indexOf(late)).to.be.greaterThan(up.records.indexOf(exit));
  });

  it('exits on SIGTERM even while an orphaned child of a worker still holds its pipe', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('orphan-holds-stdout.ts'),
          count: 1,
          env: { PORT: String(port), STATE_DIR: cluster.dir.path },
        },
      },
    });
    await up.waitForMessage('cluster ready', 30_000);
    const orphan = Number(readFileSync(join(cluster.dir.path, 'orphan.pid'), 'utf8'));
    try {
      up.signal('SIGTERM');
      // The orphan lives 60 s: well past this bound, had the primary waited for the pipe to close.
      const exited = await Promise.race([
        up.exited.then(({ code }) => code),
        new Promise((resolve) => setTimeout(() => resolve('still running'), 30_000)),
      ]);
      expect(exited).to.equal(0);
      expect(isAlive(orphan), 'the orphan is the app’s to end, not ours').to.equal(true);
    } finally {
      try {
        process.kill(orphan, 'SIGKILL');
      } catch {}
    }
  });

  it('keeps the fields of a worker that logs JSON lines itself', async () => {
    const up = cluster.start({
      groups: { json: { entry: app('json-logger.ts'), count: 1, restart: { when: 'never' } } },
    });
    const record = await up.waitFor(
      (r) => r.msg === 'request done' && r.group === 'json',
      30_000,
      'the JSON line',
    );
    expect(record).to.include({ reqId: 'r1', level: 30, index: 0, stream: 'stdout' });
  });
});
