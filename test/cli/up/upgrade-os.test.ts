import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { StatusJson } from '../../../src/primary/status.ts';
import { ENV_UPGRADE_STOP_AT, type UpgradeStep } from '../../../src/primary/upgrade/protocol.ts';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson, type LoadResult, runLoad } from '../../helpers/load.ts';
import { processesTagged } from '../../helpers/tagged-processes.ts';
import type { UpProcess } from '../../helpers/up-process.ts';
import {
  childrenOf,
  newPrimaryPid,
  status,
  stopCluster,
  stoppedAtCheckpoint,
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

/** The helper primaries of a primary: its children that are not workers of the cluster. */
function helpersOf(primary: number, value: StatusJson): number[] {
  return childrenOf(primary).filter((pid) => !workerPids(value).includes(pid));
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
      const helpers = helpersOf(value.pid, value);
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

        const stop = new AbortController();
        const running = ports.map((port) =>
          runLoad({
            url: `http://127.0.0.1:${port}/`,
            connections: 8,
            durationMs: 60_000,
            maxRequests: 200_000,
            fresh,
            signal: stop.signal,
          }),
        );
        const result = await orchestrator(['upgrade'], dir);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stdout).to.match(/upgraded: pid \d+/);
        await up.waitForMessage('old primary stopped', 60_000);
        stop.abort();
        const loads: LoadResult[] = await Promise.all(running);

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
});
