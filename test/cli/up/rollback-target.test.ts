import { renameSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson } from '../../helpers/load.ts';

describe('up: the rollback target survives many edits during one roll', function () {
  this.timeout(90_000);
  const cluster = useCluster();

  it('five env edits saved during one slow roll, then a failing worker: the first settings are forked again', async () => {
    const port = await freePort();
    const web = (env: Record<string, string>) => ({
      groups: {
        web: {
          entry: app('fault-app.ts'),
          count: 1,
          env: { PORT: String(port), ...env },
          // The old worker drains first, so going back means forking the first settings again.
          reload: { maxSurge: 0, maxUnavailable: 1 },
          shutdown: { timeoutMs: 2000 },
        },
      },
    });
    const up = cluster.start(web({ MARKER: 'zero' }));
    await up.waitForMessage('cluster ready', 30_000);
    const save = (config: unknown) => {
      writeFileSync(`${cluster.dir.configFile}.tmp`, JSON.stringify(config));
      renameSync(`${cluster.dir.configFile}.tmp`, cluster.dir.configFile);
    };
    const started = () => up.count((r) => r.msg === 'reload started');
    // Four edits whose workers take a minute to listen: each supersedes the roll before it.
    for (const marker of ['one', 'two', 'three', 'four']) {
      const before = started();
      save(web({ MARKER: marker, LISTEN_DELAY_MS: '60000' }));
      await up.waitFor(() => started() > before, 20_000, `the roll to ${marker}`);
    }
    // The fifth throws at start-up: the roll is aborted and goes back to MARKER zero.
    save(web({ MARKER: 'five', THROW_AT_START: '1' }));
    await up.waitForMessage('reload aborted', 30_000);
    const served = await eventually(() => getJson(`http://127.0.0.1:${port}/`), 20_000);
    expect(served.marker).to.equal('zero');
    expect(up.count((r) => r.msg === 'no launch settings for revision')).to.equal(0);
  });
});
