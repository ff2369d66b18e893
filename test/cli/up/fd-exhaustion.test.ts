import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import { statusJson } from '../../chaos/status-cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { openFilesLimit, storm } from '../../helpers/fd-storm.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson } from '../../helpers/load.ts';

describe('orchestrator up: out of file descriptors', function () {
  this.timeout(120_000);
  const cluster = useCluster();

  it('keeps the workers alive through a connection storm over their fd limit, and still stops on SIGTERM', async () => {
    const port = await freePort();
    const up = cluster.start(
      { groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } } } },
      undefined,
      ['prlimit', '--nofile=48:48'],
    );
    await up.waitForMessage('cluster ready', 30_000);
    const pids = up.records.find((r) => r.msg === 'web: 2 ready')?.pids as number[];
    expect(pids).to.have.length(2);
    for (const pid of pids) expect(openFilesLimit(pid), 'the workers inherit the limit').to.equal(48);

    // Held over two heartbeats (1 s apart): each beat samples the memory use while the fds are gone.
    const { answered } = await storm(port, 100, 2500);
    expect(answered, 'the storm reached the workers').to.be.greaterThan(0);
    await up.waitFor(
      (r) => String(r.msg).includes('heartbeat: reading the memory use failed (EMFILE)'),
      10_000,
      'the runtime to say it skipped a sample',
    );

    // Nothing crashed: the same workers run, each said once what it skipped.
    for (const pid of pids) expect(() => process.kill(pid, 0), `worker ${pid} alive`).to.not.throw();
    expect(up.count((r) => r.msg === 'worker exited')).to.equal(0);
    for (const pid of pids) {
      expect(up.count((r) => r.pid === pid && String(r.msg).includes('heartbeat'))).to.be.at.most(1);
    }

    // And both serve again: a connection node:cluster could not hand over (the worker had no fd for it)
    // must not take that worker out of the round-robin rotation for good.
    const answeredBy = new Set<number>();
    await eventually(async () => {
      answeredBy.add(((await getJson(`http://127.0.0.1:${port}/`)) as { pid: number }).pid);
      expect([...answeredBy].sort()).to.deep.equal([...pids].sort());
    }, 15_000);

    up.signal('SIGTERM');
    const { code } = await up.exited;
    expect(code).to.equal(0);
  });

  it('counts a fork that fails for want of fds as an exit: the slot is retried, and SIGTERM completes', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('http-info.ts'),
          count: 2,
          env: { PORT: String(port) },
          backoff: { strategy: 'fixed', delayMs: 100 },
          restart: { maxRestarts: 1000, windowMs: 60_000 },
        },
      },
    });
    await up.waitForMessage('cluster ready', 30_000);
    const primary = up.child.pid as number;
    const [victim, survivor] = (up.records.find((r) => r.msg === 'web: 2 ready')?.pids ?? []) as number[];

    // The primary may keep what it has open but open nothing more once the victim's pipes are closed.
    const soft = openFilesLimit(primary);
    const limit = readdirSync(`/proc/${primary}/fd`).length - 2;
    execFileSync('prlimit', ['--pid', String(primary), `--nofile=${limit}:`]);
    process.kill(victim as number, 'SIGKILL');
    const failed = await up.waitFor(
      (r) => r.msg === 'worker could not be started',
      15_000,
      'a fork to fail for want of fds',
    );
    expect(String(failed.error)).to.match(/EMFILE/);
    await up.waitFor((r) => r.msg === 'worker exited' && r.worker === failed.worker, 5000, 'its exit');

    // File descriptors come back: the slot is forked again and the group returns to strength.
    execFileSync('prlimit', ['--pid', String(primary), `--nofile=${soft}:`]);
    await eventually(async () => {
      const [web] = (await statusJson(cluster.dir.configFile, cluster.dir.path)).groups;
      expect(web?.workers.map((w) => w.state)).to.deep.equal(['ready', 'ready']);
      expect(web?.workers.map((w) => w.pid)).to.include(survivor);
    }, 30_000);

    up.signal('SIGTERM');
    const { code } = await up.exited;
    expect(code).to.equal(0);
  });
});
