import { expect } from 'chai';
import { HELPER_RESTART } from '../../../src/primary/hosts/remote-host.ts';
import { statusJson } from '../../chaos/status-cli.ts';
import { childProcesses, isAlive } from '../../chaos/worker-processes.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson, runLoad } from '../../helpers/load.ts';
import type { LogRecord } from '../../helpers/up-process.ts';

interface Info {
  pid: number;
  fd: number | null;
}

describe('orchestrator up: per-group scheduling', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('gives round-robin and os groups of one config the policy each asked for', async () => {
    const rrPort = await freePort();
    const osPort = await freePort();
    const up = cluster.start({
      groups: {
        rr: {
          entry: app('http-info.ts'),
          count: 2,
          scheduling: 'round-robin',
          env: { PORT: String(rrPort) },
        },
        os: { entry: app('http-info.ts'), count: 2, scheduling: 'os', env: { PORT: String(osPort) } },
      },
    });
    await up.waitForMessage('cluster ready');

    // Under round-robin the primary owns the socket and the worker holds a stand-in handle without a file
    // descriptor; under `os` scheduling each worker holds the real listening socket.
    const rr = await getJson<Info>(`http://127.0.0.1:${rrPort}/`);
    const os = await getJson<Info>(`http://127.0.0.1:${osPort}/`);
    expect(rr.fd).to.equal(null);
    expect(os.fd).to.be.a('number').and.to.be.at.least(0);
  });

  it('reusePort: each worker binds its own socket, the kernel spreads fresh connections, and a reload rolls them', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: { entry: app('http-info.ts'), count: 2, scheduling: 'reusePort', env: { PORT: String(port) } },
      },
    });
    // Readiness needs the runtime's own 'listening' report: node:cluster never sees a worker-bound socket.
    await up.waitForMessage('cluster ready');
    const url = `http://127.0.0.1:${port}/`;

    const served = new Map<number, number>();
    for (let i = 0; i < 40; i++) {
      // A new connection each time (no keep-alive agent), so the kernel picks a socket for every request.
      const info = await getJson<Info>(url);
      expect(info.fd, 'a worker-held socket').to.be.a('number');
      served.set(info.pid, (served.get(info.pid) ?? 0) + 1);
    }
    expect(served.size, JSON.stringify([...served])).to.equal(2);

    const load = runLoad({ url, connections: 4, durationMs: 4000, maxRequests: 20_000 });
    up.signal('SIGHUP');
    await up.waitFor((r) => r.msg === 'rollout finished', 30_000, 'the reload to finish');
    const result = await load;
    expect(result.ok).to.be.greaterThan(0);
    await eventually(async () => {
      const alive = [...served.keys()].filter(isAlive);
      if (alive.length > 0) throw new Error(`old workers ${alive.join(', ')} still running`);
    }, 30_000);
    // An old worker may still be closing its socket: with net.ipv4.tcp_migrate_req=0 (the default) the kernel
    // resets a connection queued there, so each request is retried (docs/benchmarks.md measures how many).
    const after = new Set<number>();
    for (let i = 0; i < 20; i++) after.add((await eventually(() => getJson<Info>(url), 10_000, 50)).pid);
    expect(
      [...after].filter((pid) => served.has(pid)),
      'old workers still serving',
    ).to.deep.equal([]);
  });
});

describe('orchestrator up: a crash in an os group', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('goes with its error line, as in a round-robin group, though the output travels through the helper', async () => {
    const up = cluster.start({
      groups: {
        os: {
          entry: app('crash-at-start.ts'),
          count: 1,
          scheduling: 'os',
          backoff: { strategy: 'fixed', delayMs: 50 },
          restart: { maxRestarts: 3, windowMs: 60_000 },
        },
      },
    });
    await up.waitFor((r) => r.msg === 'group failed' && r.group === 'os', 30_000, 'the os group to fail');
    const exits = up.records.filter((r) => r.msg === 'worker exited' && r.group === 'os');
    expect(exits).to.have.length(4);
    for (const exit of exits) expect(exit.stderr).to.equal('Error: boom at start-up');
  });
});

describe('orchestrator up: the helper primary of os groups dies', function () {
  this.timeout(90_000);
  const cluster = useCluster();

  async function twoGroups(osGroup: Record<string, unknown> = {}) {
    const rrPort = await freePort();
    const osPort = await freePort();
    const up = cluster.start({
      groups: {
        rr: { entry: app('http-info.ts'), count: 2, env: { PORT: String(rrPort) } },
        os: {
          entry: app('http-info.ts'),
          count: 2,
          scheduling: 'os',
          env: { PORT: String(osPort) },
          ...osGroup,
        },
      },
    });
    await up.waitForMessage('cluster ready', 30_000);
    const status = () => statusJson(cluster.dir.configFile, cluster.dir.path);
    const group = async (name: string) => {
      const found = (await status()).groups.find((g) => g.name === name);
      if (!found) throw new Error(`no group ${name}`);
      return found;
    };
    const helper = (): number => {
      const helpers = childProcesses(up.child.pid as number)
        .filter((child) => child.cmdline.includes('host-process'))
        .map((child) => child.pid);
      expect(helpers, 'one helper process').to.have.length(1);
      return helpers[0] as number;
    };
    return { up, rrPort, osPort, group, helper };
  }

  it('starts the helper again: the os group returns to strength with new workers, no restart charged, the other group untouched', async () => {
    const { up, osPort, group, helper } = await twoGroups();
    const rrBefore = (await group('rr')).workers.map((w) => w.pid);
    const osBefore = (await group('os')).workers.map((w) => w.pid) as number[];
    const oldHelper = helper();

    process.kill(oldHelper, 'SIGKILL');

    const os = await eventually(async () => {
      const g = await group('os');
      expect(g.workers.map((w) => w.state)).to.deep.equal(['ready', 'ready']);
      for (const pid of g.workers.map((w) => w.pid)) expect(osBefore).to.not.include(pid);
      return g;
    }, 30_000);
    expect(os.state).to.equal('running');
    // The app did not crash: nothing is charged to its crash-loop budget.
    expect(os.workers.map((w) => (w as { restarts?: number }).restarts)).to.deep.equal([0, 0]);
    expect(up.count((r) => r.msg === 'restart scheduled')).to.equal(0);
    expect(up.count((r) => String(r.msg).startsWith("the helper process for 'os' scheduling died"))).to.equal(
      1,
    );
    expect(up.count((r) => r.msg === 'worker lost with its host' && r.group === 'os')).to.equal(2);
    // The round-robin group never noticed.
    expect((await group('rr')).workers.map((w) => w.pid)).to.deep.equal(rrBefore);
    expect(up.count((r) => r.group === 'rr' && r.msg === 'worker exited')).to.equal(0);
    // No worker of the dead helper survives; a new helper runs and the group serves.
    await eventually(async () => {
      for (const pid of osBefore) expect(isAlive(pid), `old worker ${pid}`).to.equal(false);
    }, 10_000);
    expect(helper()).to.not.equal(oldHelper);
    const served = await getJson<Info & { pid: number }>(`http://127.0.0.1:${osPort}/`);
    expect(os.workers.map((w) => w.pid)).to.include(served.pid);
  });

  it('gives up on a helper that keeps dying: its group fails with the reason logged, the other group serves on', async () => {
    const { up, rrPort, group, helper } = await twoGroups({
      backoff: { strategy: 'fixed', delayMs: 50 },
      restart: { maxRestarts: 2, windowMs: 60_000 },
    });
    const rrBefore = (await group('rr')).workers.map((w) => w.pid);
    const aboutHelper = (r: LogRecord): boolean => String(r.msg).startsWith('the helper process');
    const gaveUp = (): boolean => up.count((r) => String(r.msg).includes('keeps dying')) > 0;
    for (let deaths = 1; !gaveUp(); deaths++) {
      expect(deaths, 'deaths before the host gives up').to.be.at.most(HELPER_RESTART.maxRestarts + 1);
      const said = up.count(aboutHelper);
      process.kill(await eventually(async () => helper(), 15_000), 'SIGKILL');
      await up.waitFor(() => up.count(aboutHelper) > said, 15_000, 'the death of the helper to be logged');
    }
    await up.waitFor((r) => r.msg === 'group failed' && r.group === 'os', 30_000, 'the os group to fail');
    expect(
      up.records.some(
        (r) => r.msg === 'worker could not be started' && String(r.error).includes('kept dying'),
      ),
    ).to.equal(true);
    expect((await group('os')).state).to.equal('failed');
    expect((await group('rr')).workers.map((w) => w.pid)).to.deep.equal(rrBefore);
    expect((await getJson<{ group: string }>(`http://127.0.0.1:${rrPort}/`)).group).to.equal('rr');
  });
});
