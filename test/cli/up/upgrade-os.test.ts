import { connect } from 'node:net';
import { expect } from 'chai';
import type { StatusJson } from '../../../src/primary/status.ts';
import { ENV_UPGRADE_STOP_AT, type UpgradeStep } from '../../../src/primary/upgrade/protocol.ts';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson } from '../../helpers/load.ts';
import { processesTagged } from '../../helpers/tagged-processes.ts';
import type { UpProcess } from '../../helpers/up-process.ts';
import {
  helpersOf,
  loadDuring,
  status,
  stopCluster,
  upgradeStopped,
  workerPids,
} from '../../helpers/upgrade.ts';

const STEPS: readonly UpgradeStep[] = ['spawned', 'sockets-received', 'workers-forked', 'ready'];

type Layout = 'os' | 'mixed';

/**
 * `os`: one group of two workers with `scheduling: 'os'` (a helper primary process, workers accepting on the
 * shared socket). `mixed`: that group next to a round-robin one on another port. `watch: false` as in
 * upgrade.test.ts.
 */
function config(layout: Layout, ports: readonly number[]): unknown {
  const group = (port: number, scheduling: string) => ({
    entry: app('http-info.ts'),
    count: 2,
    scheduling,
    env: { PORT: String(port) },
  });
  return {
    watch: false,
    groups:
      layout === 'os'
        ? { api: group(ports[0] as number, 'os') }
        : { api: group(ports[0] as number, 'os'), web: group(ports[1] as number, 'round-robin') },
  };
}

describe("orchestrator upgrade with scheduling 'os': the helper's shared sockets are handed over", function () {
  this.timeout(120_000);
  // As in upgrade.test.ts: a test that failed half-way is stopped through whichever primary answers.
  afterEach(async () => {
    await orchestrator(['down'], cluster.dir.path);
  });
  const cluster = useCluster();

  async function serving(layout: Layout, env?: Record<string, string>) {
    const ports = [await freePort(), await freePort()];
    const up = cluster.start(config(layout, ports), env);
    await up.waitForMessage('cluster ready');
    const dir = cluster.dir.path;
    const before = await status(dir);
    return { ports: layout === 'os' ? ports.slice(0, 1) : ports, up, dir, before };
  }

  /** Exactly one cluster runs: the primary `value.pid`, one helper of it, and the workers of `value`. */
  async function oneCluster(up: UpProcess, value: StatusJson): Promise<void> {
    await eventually(async () => {
      const helpers = helpersOf(value.pid);
      expect(helpers, 'one os helper').to.have.length(1);
      expect(processesTagged(up.tag).sort()).to.deep.equal(
        [value.pid, ...helpers, ...workerPids(value)].sort(),
      );
    }, 15_000);
  }

  /** The primary from `before` answers the control socket, its workers serve every port, nothing else runs. */
  async function oldStillServes(up: UpProcess, ports: readonly number[], before: StatusJson): Promise<void> {
    expect((await status(cluster.dir.path)).pid).to.equal(before.pid);
    for (const port of ports)
      expect(workerPids(before)).to.include((await getJson(`http://127.0.0.1:${port}/`)).pid);
    await oneCluster(up, before);
  }

  for (const layout of ['os', 'mixed'] as const) {
    for (const [load, fresh] of [
      ['keep-alive', false],
      ['connection-per-request', true],
    ] as const) {
      it(`${layout}: upgrade under ${load} load: zero failed requests on every port, then one cluster`, async () => {
        const { ports, up, dir, before } = await serving(layout);

        const loads = await loadDuring(ports, { fresh, connections: 8 }, async () => {
          const result = await orchestrator(['upgrade'], dir);
          expect(result.code, result.stderr).to.equal(0);
          expect(result.stdout).to.match(/upgraded: pid \d+/);
          await up.waitForMessage('old primary stopped', 60_000);
        });

        for (const load of loads) {
          expect(load.failed, JSON.stringify(load.reasons)).to.equal(0);
          expect(load.ok).to.be.greaterThan(50);
        }
        const after = await status(dir);
        expect(after.pid).to.not.equal(before.pid);
        expect(workerPids(after).filter((pid) => workerPids(before).includes(pid))).to.deep.equal([]);
        for (const port of ports)
          expect(workerPids(after)).to.include((await getJson(`http://127.0.0.1:${port}/`)).pid);
        await oneCluster(up, after);
        await stopCluster(up, dir);
      });
    }
  }

  for (const step of STEPS) {
    it(`os: killing the new primary at step "${step}": upgrade exits 1, the old one keeps serving, nothing is left`, async () => {
      const { ports, up, dir, before } = await serving('mixed', { [ENV_UPGRADE_STOP_AT]: step });

      const { upgrading, pid } = await upgradeStopped(up, dir);
      process.kill(pid, 'SIGKILL');
      const result = await upgrading;

      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/upgrade failed: the new primary exited on SIGKILL/);
      // Its helper and their workers follow it (their IPC channels close).
      await eventually(() => oldStillServes(up, ports, before), 20_000);
      await stopCluster(up, dir);
    });

    it(`os: killing the old primary at step "${step}": the new one carries on alone`, async () => {
      const { ports, up, dir, before } = await serving('mixed', { [ENV_UPGRADE_STOP_AT]: step });

      const { upgrading, pid } = await upgradeStopped(up, dir);
      up.child.kill('SIGKILL');
      process.kill(pid, 'SIGCONT');
      expect((await upgrading).code).to.equal(1);

      const after = await eventually(async () => {
        const current = await status(dir);
        expect(current.pid).to.equal(pid);
        for (const group of current.groups) expect(group.ready, group.name).to.equal(2);
        return current;
      }, 30_000);
      for (const port of ports) {
        const served = await eventually(() => getJson(`http://127.0.0.1:${port}/`));
        expect(workerPids(after)).to.include(served.pid);
      }
      // One cluster: the new primary, its helper and their workers; the old ones followed the old primary.
      await oneCluster(up, after);
      expect(workerPids(before).filter((p) => processesTagged(up.tag).includes(p))).to.deep.equal([]);
      await stopCluster(up, dir);
    });
  }

  /**
   * Runs `upgrade` with the new primary stopped at `step`, SIGKILLs its `os` helper there, lets it go on, and
   * returns the upgrade's outcome and the new primary's pid.
   */
  async function killNewHelperAt(up: UpProcess, dir: string) {
    const { upgrading, pid } = await upgradeStopped(up, dir);
    const helpers = helpersOf(pid);
    for (const helper of helpers) process.kill(helper, 'SIGKILL');
    process.kill(pid, 'SIGCONT');
    expect(helpers, 'the new primary has one helper').to.have.length(1);
    return { result: await upgrading, pid };
  }

  it('os: killing the new helper before its workers are ready: the new primary restarts it, the upgrade completes', async () => {
    const { ports, up, dir, before } = await serving('os', { [ENV_UPGRADE_STOP_AT]: 'workers-forked' });

    const { result, pid } = await killNewHelperAt(up, dir);

    // The restarted helper got the inherited socket again: its workers share it instead of binding the port.
    expect(result.code, result.stderr).to.equal(0);
    await up.waitForMessage('old primary stopped', 60_000);
    const after = await status(dir);
    expect(after.pid).to.equal(pid);
    expect(workerPids(after).filter((p) => workerPids(before).includes(p))).to.deep.equal([]);
    expect(workerPids(after)).to.include((await getJson(`http://127.0.0.1:${ports[0]}/`)).pid);
    await oneCluster(up, after);
    await stopCluster(up, dir);
  });

  it('os: killing the new helper once ready: the new primary refuses the take-over, the old one keeps serving', async () => {
    const { ports, up, dir, before } = await serving('os', { [ENV_UPGRADE_STOP_AT]: 'ready' });

    const { result } = await killNewHelperAt(up, dir);

    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(
      /upgrade failed: the new primary is not ready any more \(a helper process for os scheduling died\)/,
    );
    await eventually(() => oldStillServes(up, ports, before), 20_000);
    await stopCluster(up, dir);
  });

  it('a group can change scheduling (os <-> round-robin) in the upgrade: zero failed requests on both ports', async () => {
    const { ports, up, dir } = await serving('mixed');
    const [api, web] = ports as [number, number];
    const swapped = config('mixed', ports) as { groups: Record<string, { scheduling: string }> };
    (swapped.groups.api as { scheduling: string }).scheduling = 'round-robin';
    (swapped.groups.web as { scheduling: string }).scheduling = 'os';
    cluster.dir.writeConfig(swapped);

    const loads = await loadDuring([api, web], { fresh: true, connections: 4 }, async () => {
      const result = await orchestrator(['upgrade'], dir);
      expect(result.code, result.stderr).to.equal(0);
      await up.waitForMessage('old primary stopped', 60_000);
    });
    for (const load of loads) {
      expect(load.failed, JSON.stringify(load.reasons)).to.equal(0);
      expect(load.ok).to.be.greaterThan(20);
    }
    const after = await status(dir);
    expect(after.groups.map((group) => [group.name, group.ready])).to.have.deep.members([
      ['api', 2],
      ['web', 2],
    ]);
    await oneCluster(up, after);
    await stopCluster(up, dir);
  });

  it('a group the new config drops: its inherited socket is closed, the port refuses connections (no hang)', async () => {
    const { ports, up, dir } = await serving('mixed');
    const [api, web] = ports as [number, number];
    const only = config('mixed', ports) as { groups: Record<string, unknown> };
    delete only.groups.api;
    cluster.dir.writeConfig(only);

    const result = await orchestrator(['upgrade'], dir);
    expect(result.code, result.stderr).to.equal(0);
    await up.waitForMessage('old primary stopped', 60_000);

    expect((await getJson(`http://127.0.0.1:${web}/`)).group).to.equal('web');
    // Nothing may hold the old socket in LISTEN: a connection would be queued and never answered.
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(api, '127.0.0.1');
      socket.setTimeout(5000, () => {
        socket.destroy();
        resolve('timeout');
      });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(outcome).to.equal('ECONNREFUSED');
    await stopCluster(up, dir);
  });
});
