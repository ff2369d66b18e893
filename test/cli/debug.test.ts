import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { StatusJson } from '../../src/primary/status.ts';
import { orchestrator } from '../helpers/cli.ts';
import { app } from '../helpers/cluster-dir.ts';
import { useCluster } from '../helpers/cluster-fixture.ts';
import { freePort } from '../helpers/free-port.ts';
import { getJson } from '../helpers/load.ts';
import { CLI } from '../helpers/up-process.ts';

describe('orchestrator debug', function () {
  this.timeout(120_000);
  const cluster = useCluster();

  async function started() {
    const [webPort, sidePort] = [await freePort(), await freePort()];
    const up = cluster.start({
      groups: {
        web: { entry: app('talker.ts'), count: 1, env: { PORT: String(webPort) } },
        // Under a helper primary: the request and its answer travel one hop further.
        side: { entry: app('talker.ts'), count: 1, scheduling: 'os', env: { PORT: String(sidePort) } },
      },
    });
    await up.waitForMessage('cluster ready');
    const cli = (...args: string[]) =>
      orchestrator(['debug', ...args, '-c', cluster.dir.configFile], cluster.dir.path);
    const status = async () =>
      JSON.parse(
        (await orchestrator(['status', '--json', '-c', cluster.dir.configFile], cluster.dir.path)).stdout,
      ) as StatusJson;
    return { up, webPort, sidePort, cli, status };
  }

  it('writes a heap snapshot, a CPU profile and a report, each private to the user, from either kind of group', async () => {
    const { cli, status, sidePort } = await started();
    const heap = await cli('heap', 'web.0');
    expect(heap.code, heap.stderr).to.equal(0);
    const heapFile = heap.stdout.trim();
    expect(heapFile).to.match(new RegExp(`^${cluster.dir.path}/web\\.0-\\d+-\\d{8}T\\d{6}\\.heapsnapshot$`));
    expect(statSync(heapFile).mode & 0o777).to.equal(0o600);
    const snapshot = JSON.parse(readFileSync(heapFile, 'utf8')) as {
      snapshot: { meta: object };
      nodes: number[];
    };
    expect(snapshot.snapshot.meta).to.be.an('object');
    expect(snapshot.nodes.length).to.be.greaterThan(1000);
    expect(heap.stderr).to.match(/heap snapshot of web\.0/);

    // The os-scheduled worker keeps serving while it is profiled.
    const profileFile = join(cluster.dir.path, 'side.cpuprofile');
    const profiling = cli('profile', 'side.0', '--seconds', '2', '--out', profileFile);
    const served = await getJson<{ slot: number }>(`http://127.0.0.1:${sidePort}/say/during-profile`);
    expect(served.slot).to.equal(0);
    const profile = await profiling;
    expect(profile.code, profile.stderr).to.equal(0);
    expect(profile.stdout.trim()).to.equal(profileFile);
    const cpu = JSON.parse(readFileSync(profileFile, 'utf8')) as {
      nodes: unknown[];
      samples: number[];
      endTime: number;
      startTime: number;
    };
    expect(cpu.nodes.length).to.be.greaterThan(0);
    expect(cpu.samples.length).to.be.greaterThan(0);
    expect((cpu.endTime - cpu.startTime) / 1e6).to.be.at.least(1.5);

    const pid = (await status()).groups.find((g) => g.name === 'web')?.workers[0]?.pid;
    const reportDir = join(cluster.dir.path);
    const report = await cli('report', String(pid), '--out', reportDir);
    expect(report.code, report.stderr).to.equal(0);
    const written = JSON.parse(readFileSync(report.stdout.trim(), 'utf8')) as {
      header: { processId: number };
    };
    expect(written.header.processId).to.equal(pid);
    expect(statSync(report.stdout.trim()).mode & 0o777).to.equal(0o600);
  });

  it('fails with exit 1 and a clear message: unknown worker, worker gone mid-way, write errors', async () => {
    const { cli, status } = await started();
    const unknownSlot = await cli('heap', 'web.7');
    expect(unknownSlot.code).to.equal(1);
    expect(unknownSlot.stderr).to.match(/no live worker in slot web\.7/);
    const unknownGroup = await cli('heap', 'wbe.0');
    expect(unknownGroup.code).to.equal(1);
    expect(unknownGroup.stderr).to.match(/unknown group wbe/);
    const unknownPid = await cli('report', '99999999');
    expect(unknownPid.code).to.equal(1);

    // Disk full: /dev/full takes the open and fails every write with ENOSPC.
    const full = await cli('report', 'web.0', '--out', '/dev/full');
    expect(full.code).to.equal(1);
    expect(full.stderr).to.match(/ENOSPC/);
    // No permission, even for root: sysfs lets nobody create files.
    const denied = await cli('heap', 'web.0', '--out', '/sys/kernel/orchestrator-test.heapsnapshot');
    expect(denied.code).to.equal(1);
    expect(denied.stderr).to.match(/EACCES: permission denied/);
    const missing = await cli(
      'heap',
      'web.0',
      '--out',
      join(cluster.dir.path, 'no-such-folder', 'x.heapsnapshot'),
    );
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/ENOENT/);

    const pid = (await status()).groups.find((g) => g.name === 'web')?.workers[0]?.pid as number;
    const child = spawn(
      process.execPath,
      [CLI, 'debug', 'profile', 'web.0', '--seconds', '30', '-c', cluster.dir.configFile],
      {
        cwd: cluster.dir.path,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (!killed && stderr.includes('profiling')) {
        killed = true;
        process.kill(pid, 'SIGKILL');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).to.equal(1);
    expect(stderr).to.match(/exited before the file was written/);
    const folder = readdirSync(cluster.dir.path);
    expect(
      folder.some((name) => name.endsWith('.heapsnapshot')),
      'no partial file after ENOENT',
    ).to.equal(false);
  });
});
