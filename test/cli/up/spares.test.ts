import { expect } from 'chai';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson, getText } from '../../helpers/load.ts';
import { isAlive } from '../../worker/helpers/processes.ts';

interface Served {
  pid: number;
  id: number;
  index: number;
  infoIndex: number | null;
  marker: string | null;
}

interface SpareStatus {
  id: number;
  pid: number | null;
  state: 'booting' | 'standby';
  rollout: number;
  rss: number | null;
}

interface GroupStatus {
  name: string;
  state: string;
  workers: Array<{
    id: number;
    pid: number;
    index: number;
    state: string;
    restarts: number;
    rollout: number;
  }>;
  spares: SpareStatus[];
}

describe('orchestrator up: warm spares', function () {
  this.timeout(90_000);
  const cluster = useCluster();

  const status = async (): Promise<GroupStatus> => {
    const out = await orchestrator(['status', '--json'], cluster.dir.path);
    const [group] = (JSON.parse(out.stdout) as { groups: GroupStatus[] }).groups;
    if (group === undefined) throw new Error('no group in status');
    return group;
  };

  /** Status once every worker is ready and `spares` spares stand by with their first heartbeat (RSS). */
  const settled = (spares: number, rollout = 1): Promise<GroupStatus> =>
    eventually(
      async () => {
        const group = await status();
        const ready = group.state === 'running' && group.workers.every((w) => w.state === 'ready');
        const standing = group.spares.filter(
          (s) => s.state === 'standby' && s.rss !== null && s.rollout === rollout,
        );
        if (!ready || standing.length !== spares || group.spares.length !== spares)
          throw new Error(`not settled: ${JSON.stringify(group)}`);
        return group;
      },
      30_000,
      200,
    );

  /** `n` sequential requests (fresh connections, so each goes through the round-robin); who served each. */
  const serve = async (port: number, n: number): Promise<Served[]> => {
    const served: Served[] = [];
    for (let i = 0; i < n; i++) served.push(await getJson<Served>(`http://127.0.0.1:${port}/`));
    return served;
  };

  const cases = [
    { preload: true, scheduling: 'round-robin' },
    { preload: false, scheduling: 'round-robin' },
    { preload: true, scheduling: 'reusePort' },
    { preload: false, scheduling: 'os' },
  ] as const;
  for (const { preload, scheduling } of cases) {
    it(`${scheduling}, preload ${preload}: a spare takes a SIGKILLed worker's slot and serves it; a spare never gets a request; status shows them with their memory`, async () => {
      const port = await freePort();
      const up = cluster.start({
        groups: {
          web: {
            entry: app('spare-app.ts'),
            count: 2,
            scheduling,
            env: { PORT: String(port) },
            spares: { count: 1, preload },
            // a respawn would wait 3 s: only a spare serves the slot again before that
            backoff: { strategy: 'fixed', delayMs: 3000 },
          },
        },
        watch: false,
      });
      await up.waitForMessage('cluster ready');
      const before = await settled(1);
      const spare = before.spares[0] as SpareStatus;
      expect(spare.rss).to.be.greaterThan(10e6);
      const table = await orchestrator(['status'], cluster.dir.path);
      expect(table.stdout).to.match(new RegExp(`^ web\\.spare\\s+standby\\s+${spare.pid}\\s`, 'm'));

      // boot mode: the app's entry is not imported before the spare is activated; preload: it is
      const imported = (id: number) =>
        up.count((r) => r.worker === id && /spare-app imported/.test(String(r.msg)));
      expect(imported(spare.id)).to.equal(preload ? 1 : 0);

      const first = await serve(port, 20);
      expect(first.map((s) => s.pid)).to.not.include(spare.pid);
      // Round-robin alternates; the kernel's spread (os, reusePort) need not reach both within 20.
      if (scheduling === 'round-robin')
        expect(new Set(first.map((s) => s.index))).to.deep.equal(new Set([0, 1]));

      const victim = before.workers.find((w) => w.index === 0);
      if (victim === undefined) throw new Error('no worker 0');
      process.kill(victim.pid, 'SIGKILL');
      // Served again by the spare, in its slot. (A connection handed to the victim just before the primary
      // saw it die is never answered: short per-request bounds, retried.)
      const takeover = await eventually(
        async () => {
          const served = JSON.parse(await getText(`http://127.0.0.1:${port}/`, 1000)) as Served;
          if (served.pid !== spare.pid) throw new Error(`not the spare: ${JSON.stringify(served)}`);
          return served;
        },
        20_000,
        20,
      );
      expect(takeover).to.include({ id: spare.id, index: 0, infoIndex: 0 });
      // (its line reaches the primary's log through a pipe of its own: it may come after the response)
      await up.waitFor((r) => r.worker === spare.id && /spare-app imported/.test(String(r.msg)));
      expect(imported(spare.id)).to.equal(1);

      // A new spare boots behind it (after the 3 s backoff); the crash counted as a restart of slot 0.
      const after = await settled(1);
      const next = after.spares[0] as SpareStatus;
      expect(next.pid).to.not.equal(spare.pid);
      expect(after.workers.map((w) => [w.index, w.pid === spare.pid, w.restarts])).to.deep.equal([
        [0, true, 1],
        [1, false, 0],
      ]);
      expect(up.count((r) => r.msg === 'restart by a spare')).to.equal(1);
      const later = await serve(port, 20);
      expect(later.map((s) => s.pid)).to.not.include(next.pid);
    });
  }

  it("holds a preloaded spare's ready() (ready.on: 'message') until it takes a slot", async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('spare-app.ts'),
          count: 1,
          env: { PORT: String(port), READY_MESSAGE: '1' },
          ready: { on: 'message' },
          spares: { count: 1, preload: true },
        },
      },
      watch: false,
    });
    await up.waitForMessage('cluster ready');
    const before = await settled(1);
    const spare = before.spares[0] as SpareStatus;
    // Standing by, imported and ready() called, yet not counted as a worker of the group.
    expect(before.workers.map((w) => w.pid)).to.not.include(spare.pid);
    process.kill(before.workers[0]?.pid as number, 'SIGKILL');
    const after = await eventually(async () => {
      const group = await status();
      const worker = group.workers.find((w) => w.pid === spare.pid && w.state === 'ready');
      if (worker === undefined) throw new Error('spare not ready in the slot');
      return worker;
    }, 15_000);
    expect(after.index).to.equal(0);
    expect((await serve(port, 1))[0]?.pid).to.equal(spare.pid);
  });

  it('discards the spares of the old revision on a reload and boots new ones after the roll', async () => {
    const port = await freePort();
    const config = (marker: string) => ({
      groups: {
        web: {
          entry: app('spare-app.ts'),
          count: 2,
          env: { PORT: String(port), MARKER: marker },
          spares: { count: 2, preload: true },
        },
      },
      watch: false,
    });
    const up = cluster.start(config('one'));
    await up.waitForMessage('cluster ready');
    const before = await settled(2);
    cluster.dir.writeConfig(config('two'));
    const reload = await orchestrator(['reload'], cluster.dir.path);
    expect(reload.code, reload.stderr).to.equal(0);
    const after = await settled(2, 2);
    const oldPids = before.spares.map((s) => s.pid as number);
    for (const pid of oldPids) expect(after.spares.map((s) => s.pid)).to.not.include(pid);
    await eventually(async () => {
      if (oldPids.some(isAlive)) throw new Error('an old spare still runs');
    }, 15_000);
    // The roll replaced the workers with new ones, not with the old revision's spares.
    expect(after.workers.map((w) => w.pid)).to.not.have.members(oldPids);
    for (const served of await serve(port, 10)) expect(served.marker).to.equal('two');
    expect(up.count((r) => r.msg === 'worker exited' && r.intent === 'spare-discarded')).to.equal(2);
  });
});
