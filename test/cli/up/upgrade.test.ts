import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { StatusJson } from '../../../src/primary/status.ts';
import { ENV_UPGRADE_STOP_AT, type UpgradeStep } from '../../../src/primary/upgrade/protocol.ts';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson, getText, runLoad } from '../../helpers/load.ts';
import { NotifySocket } from '../../helpers/notify-socket.ts';
import { processesTagged, waitUntilGone } from '../../helpers/tagged-processes.ts';
import type { UpProcess } from '../../helpers/up-process.ts';
import { status, stopCluster, upgradeStopped, workerPids } from '../../helpers/upgrade.ts';

const STEPS: readonly UpgradeStep[] = ['spawned', 'sockets-received', 'workers-forked', 'ready'];

/** `watch: false`: the tests edit the file for the new primary only, the running one must not apply it. */
function webConfig(port: number, group: Record<string, unknown> = {}): unknown {
  return {
    watch: false,
    groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) }, ...group } },
  };
}

describe('orchestrator upgrade: a new primary takes over the listening sockets', function () {
  this.timeout(120_000);
  // Registered before useCluster's hooks, so it runs first: after an upgrade the running primary is not the
  // process the fixture started (which cannot exit cleanly while a successor holds its output), so a test
  // that failed half-way is stopped through the control socket, whichever primary answers it.
  afterEach(async () => {
    await orchestrator(['down'], cluster.dir.path);
  });
  const cluster = useCluster();

  /** A running cluster of two web workers, config with `watch: false`, and its status. */
  async function serving(env?: Record<string, string>) {
    const port = await freePort();
    const up = cluster.start(webConfig(port), env);
    await up.waitForMessage('cluster ready');
    const dir = cluster.dir.path;
    return { port, up, dir, before: await status(dir) };
  }

  /** The primary from `before` answers the control socket, its workers serve, and nothing else runs. */
  async function oldStillServes(up: UpProcess, port: number, before: StatusJson): Promise<void> {
    expect((await status(cluster.dir.path)).pid).to.equal(before.pid);
    expect(workerPids(before)).to.include((await getJson(`http://127.0.0.1:${port}/`)).pid);
    expect(processesTagged(up.tag).sort()).to.deep.equal([before.pid, ...workerPids(before)].sort());
  }

  for (const [load, fresh, trigger] of [
    ['keep-alive', false, 'orchestrator upgrade'],
    ['connection-per-request', true, 'SIGUSR2'],
  ] as const) {
    it(`${trigger} under ${load} load: zero failed requests, then status answers from the new primary`, async () => {
      const port = await freePort();
      const up = cluster.start(webConfig(port));
      await up.waitForMessage('cluster ready');
      const dir = cluster.dir.path;
      const before = await status(dir);

      const stop = new AbortController();
      const running = runLoad({
        url: `http://127.0.0.1:${port}/`,
        connections: 8,
        durationMs: 60_000,
        maxRequests: 200_000,
        fresh,
        signal: stop.signal,
      });
      if (trigger === 'SIGUSR2') up.signal('SIGUSR2');
      else {
        const result = await orchestrator(['upgrade'], dir);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stdout).to.match(/upgraded: pid \d+/);
      }
      // The old primary is gone only once its workers drained: the load covers the whole hand-over.
      await up.waitForMessage('old primary stopped', 60_000);
      stop.abort();
      const result = await running;

      expect(result.failed, JSON.stringify(result.reasons)).to.equal(0);
      expect(result.ok).to.be.greaterThan(50);
      const after = await status(dir);
      expect(after.pid).to.not.equal(before.pid);
      expect(after.versions).to.deep.equal({
        node: process.version,
        orchestrator: (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
      });
      expect(workerPids(after).filter((pid) => workerPids(before).includes(pid))).to.deep.equal([]);
      // The old primary logged its last line; it exits right after.
      await eventually(async () => {
        expect(processesTagged(up.tag).sort()).to.deep.equal([after.pid, ...workerPids(after)].sort());
      }, 10_000);
      await stopCluster(up, dir);
    });
  }

  it('hands every connection the old primary accepted to a worker before its workers drain', async () => {
    const port = await freePort();
    // Busy workers: the old primary holds accepted connections in node:cluster's queue, which node:cluster
    // resets when its last worker leaves.
    const up = cluster.start(webConfig(port, { entry: app('busy-http.ts') }));
    await up.waitForMessage('cluster ready');
    const dir = cluster.dir.path;

    const stop = new AbortController();
    const running = runLoad({
      url: `http://127.0.0.1:${port}/`,
      connections: 24,
      durationMs: 60_000,
      maxRequests: 100_000,
      fresh: true,
      signal: stop.signal,
    });
    const result = await orchestrator(['upgrade'], dir);
    expect(result.code, result.stderr).to.equal(0);
    await up.waitForMessage('old primary stopped', 60_000);
    stop.abort();
    const load = await running;

    expect(load.failed, JSON.stringify(load.reasons)).to.equal(0);
    expect(load.ok).to.be.greaterThan(50);
    await stopCluster(up, dir);
  });

  it('under systemd (NOTIFY_SOCKET), names the new primary as the main pid before the old one exits', async () => {
    const socket = new NotifySocket();
    try {
      await socket.listening();
      const port = await freePort();
      const up = cluster.start(webConfig(port), { NOTIFY_SOCKET: socket.path });
      await up.waitForMessage('cluster ready');
      const dir = cluster.dir.path;

      const result = await orchestrator(['upgrade'], dir);

      expect(result.code, result.stderr).to.equal(0);
      const pid = Number(/upgraded: pid (\d+)/.exec(result.stdout)?.[1]);
      // Sent (and acknowledged by systemd-notify's barrier) before the old primary was told to go.
      expect(socket.messages).to.include(`MAINPID=${pid}`);
      await up.waitForMessage('old primary stopped', 60_000);
      expect((await status(dir)).pid).to.equal(pid);
      await stopCluster(up, dir);
    } finally {
      await socket.close();
    }
  });

  it("hands over the primary's /metrics endpoint too: the new primary answers on the same port", async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const up = cluster.start({ ...(webConfig(port) as object), metrics: { port: metricsPort } });
    await up.waitForMessage('cluster ready');
    const dir = cluster.dir.path;

    const result = await orchestrator(['upgrade'], dir);

    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`127.0.0.1:${metricsPort}`);
    await up.waitForMessage('old primary stopped', 60_000);
    const pid = (await status(dir)).pid;
    const metrics = await getText(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics).to.include(`orchestrator_group_workers{group="web",state="ready"} 2`);
    expect(processesTagged(up.tag)).to.include(pid);
    await stopCluster(up, dir);
  });

  it('fails with exit 1 when the new config is invalid, and the old primary keeps serving', async () => {
    const { port, up, dir, before } = await serving();
    cluster.dir.writeConfig(webConfig(port, { count: -1 }));

    const result = await orchestrator(['upgrade'], dir);

    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/upgrade failed: the config is invalid: .*groups\.web\.count/);
    await oldStillServes(up, port, before);
  });

  it('fails with exit 1 when the new workers crash, stops them, and the old primary keeps serving', async () => {
    const { port, up, dir, before } = await serving();
    cluster.dir.writeConfig(
      webConfig(port, {
        entry: app('crash-at-start.ts'),
        restart: { maxRestarts: 1 },
        backoff: { strategy: 'none' },
      }),
    );

    const result = await orchestrator(['upgrade'], dir);

    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/upgrade failed: group web failed/);
    await oldStillServes(up, port, before);
  });

  it('stops a new primary not ready within --timeout: exit 1, the old one keeps serving', async () => {
    const { port, up, dir, before } = await serving();
    // Its workers listen but never call ready(): the new primary never gets ready.
    cluster.dir.writeConfig(webConfig(port, { ready: { on: 'message', timeoutMs: 60_000 } }));

    const result = await orchestrator(['upgrade', '--timeout', '3'], dir);

    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/upgrade failed: the new primary was not ready within 3 s/);
    await oldStillServes(up, port, before);
  });

  it('SIGTERM to the old primary during an upgrade stops both: everything exits cleanly', async () => {
    const port = await freePort();
    const up = cluster.start(webConfig(port), { [ENV_UPGRADE_STOP_AT]: 'workers-forked' });
    await up.waitForMessage('cluster ready');
    const dir = cluster.dir.path;

    const { upgrading, pid } = await upgradeStopped(up, dir);
    up.signal('SIGTERM');
    process.kill(pid, 'SIGCONT');

    expect((await upgrading).code).to.equal(1);
    expect((await up.exited).code).to.equal(0);
    expect(await waitUntilGone(up.tag, 15_000)).to.deep.equal([]);
  });

  for (const step of STEPS) {
    it(`killing the new primary at step "${step}": upgrade exits 1, the old one keeps serving, nothing is left`, async () => {
      const { port, up, dir, before } = await serving({ [ENV_UPGRADE_STOP_AT]: step });

      const { upgrading, pid } = await upgradeStopped(up, dir);
      process.kill(pid, 'SIGKILL');
      const result = await upgrading;

      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/upgrade failed: the new primary exited on SIGKILL/);
      // The new primary's workers follow it (their IPC channel closed).
      await eventually(() => oldStillServes(up, port, before), 15_000);
      await stopCluster(up, dir);
    });

    it(`killing the old primary at step "${step}": the new one carries on alone`, async () => {
      const { port, up, dir, before } = await serving({ [ENV_UPGRADE_STOP_AT]: step });

      const { upgrading, pid } = await upgradeStopped(up, dir);
      up.child.kill('SIGKILL');
      process.kill(pid, 'SIGCONT');
      expect((await upgrading).code).to.equal(1);

      const after = await eventually(async () => {
        const current = await status(dir);
        expect(current.pid).to.equal(pid);
        expect(current.groups[0]?.ready).to.equal(2);
        return current;
      }, 30_000);
      const served = await eventually(() => getJson(`http://127.0.0.1:${port}/`));
      expect(workerPids(after)).to.include(served.pid);
      // One cluster: the new primary and its workers; the old one's workers followed it.
      await eventually(async () => {
        expect(processesTagged(up.tag).sort()).to.deep.equal([pid, ...workerPids(after)].sort());
      }, 15_000);
      expect(workerPids(before).filter((p) => processesTagged(up.tag).includes(p))).to.deep.equal([]);
      await stopCluster(up, dir);
    });
  }
});
