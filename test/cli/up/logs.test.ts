import { expect } from 'chai';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';

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

    const lines = up.records.filter((r) => r.group === 'chatty' && r.stream === 'stdout').map((r) => r.msg);
    expect(lines).to.have.length(20_000);
    expect(lines.every((line, i) => line === `line ${i} ${'x'.repeat(40)}`)).to.equal(true);
    const lastWords = up.records.filter((r) => r.group === 'chatty' && r.stream === 'stderr');
    expect(lastWords.map((r) => [r.msg, r.index, typeof r.pid])).to.deep.equal([['last words', 0, 'number']]);
    // The exit is logged after the worker's last line.
    const exitAt = up.records.findIndex((r) => r.msg === 'worker exited' && r.group === 'chatty');
    const lastAt = up.records.findIndex((r) => r.msg === 'last words');
    expect(lastAt).to.be.lessThan(exitAt);
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
