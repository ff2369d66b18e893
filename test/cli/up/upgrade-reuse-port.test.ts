import { expect } from 'chai';
import { migratesRequests } from '../../../src/primary/migrate-req.ts';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson } from '../../helpers/load.ts';
import { processesTagged } from '../../helpers/tagged-processes.ts';
import { loadDuring, status, stopCluster, workerPids } from '../../helpers/upgrade.ts';

describe("orchestrator upgrade with scheduling 'reusePort': old and new workers overlap on SO_REUSEPORT", function () {
  this.timeout(120_000);
  afterEach(async () => {
    await orchestrator(['down'], cluster.dir.path);
  });
  const cluster = useCluster();

  for (const [load, fresh] of [
    ['keep-alive', false],
    ['connection-per-request', true],
  ] as const) {
    it(`upgrade under ${load} load: the new workers bind beside the old ones and take over`, async () => {
      const port = await freePort();
      const up = cluster.start({
        watch: false,
        groups: {
          web: { entry: app('http-info.ts'), count: 2, scheduling: 'reusePort', env: { PORT: String(port) } },
        },
      });
      await up.waitForMessage('cluster ready');
      const dir = cluster.dir.path;
      const before = await status(dir);

      let said = '';
      const [loaded] = await loadDuring([port], { fresh, connections: 8 }, async () => {
        const result = await orchestrator(['upgrade'], dir);
        expect(result.code, result.stderr).to.equal(0);
        said = result.stdout;
        await up.waitForMessage('old primary stopped', 60_000);
      });
      if (loaded === undefined) throw new Error('no load result');

      expect(loaded.ok).to.be.greaterThan(50);
      // Never refused: a port with no listener at some moment would show as ECONNREFUSED.
      expect(Object.keys(loaded.reasons)).to.satisfy((reasons: string[]) =>
        reasons.every((reason) => reason === 'ECONNRESET'),
      );
      if (migratesRequests() === true) expect(loaded.failed, JSON.stringify(loaded.reasons)).to.equal(0);
      // Without the sysctl, an old worker's close resets what is queued on its socket (7-9 per upgrade under
      // connection-per-request load, measured), as on a reload: the upgrade says so before it starts.
      else expect(said).to.include('net.ipv4.tcp_migrate_req=1');
      const after = await status(dir);
      expect(after.pid).to.not.equal(before.pid);
      expect(workerPids(after)).to.include((await getJson(`http://127.0.0.1:${port}/`)).pid);
      await eventually(async () => {
        expect(processesTagged(up.tag).sort()).to.deep.equal([after.pid, ...workerPids(after)].sort());
      }, 10_000);
      await stopCluster(up, dir);
    });
  }

  it('a group switched to reusePort in the upgrade cannot bind beside the old socket: exit 1, the old one serves', async () => {
    const port = await freePort();
    const group = { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } };
    const up = cluster.start({ watch: false, groups: { web: group } });
    await up.waitForMessage('cluster ready');
    const dir = cluster.dir.path;
    const before = await status(dir);
    cluster.dir.writeConfig({
      watch: false,
      groups: {
        web: {
          ...group,
          scheduling: 'reusePort',
          restart: { maxRestarts: 1 },
          backoff: { strategy: 'none' },
        },
      },
    });

    const result = await orchestrator(['upgrade'], dir);

    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/upgrade failed: group web failed/);
    expect((await status(dir)).pid).to.equal(before.pid);
    expect(workerPids(before)).to.include((await getJson(`http://127.0.0.1:${port}/`)).pid);
    await eventually(async () => {
      expect(processesTagged(up.tag).sort()).to.deep.equal([before.pid, ...workerPids(before)].sort());
    }, 15_000);
    await stopCluster(up, dir);
  });
});
