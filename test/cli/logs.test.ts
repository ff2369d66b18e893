import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { orchestrator } from '../helpers/cli.ts';
import { app } from '../helpers/cluster-dir.ts';
import { useCluster } from '../helpers/cluster-fixture.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually, getText } from '../helpers/load.ts';
import { CLI } from '../helpers/up-process.ts';

type Record_ = { msg?: string; group?: string; index?: number; stream?: string; level?: number };

const records = (stdout: string): Record_[] =>
  stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record_);

describe('orchestrator logs', function () {
  this.timeout(90_000);
  const cluster = useCluster();

  async function started() {
    const [webPort, jobsPort] = [await freePort(), await freePort()];
    const up = cluster.start({
      groups: {
        web: { entry: app('talker.ts'), count: 2, env: { PORT: String(webPort) } },
        jobs: { entry: app('talker.ts'), count: 1, env: { PORT: String(jobsPort) } },
      },
    });
    await up.waitForMessage('cluster ready');
    const cli = (...args: string[]) =>
      orchestrator(['logs', ...args, '-c', cluster.dir.configFile], cluster.dir.path);
    return { up, webPort, jobsPort, cli };
  }

  it("prints the last lines of the primary and of every worker as up's JSON lines, filtered by group and slot", async () => {
    const { webPort, jobsPort, cli } = await started();
    await getText(`http://127.0.0.1:${jobsPort}/warn/careful`);
    // Round-robin: two fresh connections reach both web workers.
    await getText(`http://127.0.0.1:${webPort}/say/hello`);
    await getText(`http://127.0.0.1:${webPort}/say/hello`);

    const all = await eventually(async () => {
      const result = await cli('-n', '200');
      expect(result.code, result.stderr).to.equal(0);
      const got = records(result.stdout);
      expect(got.filter((r) => r.msg?.endsWith('says hello'))).to.have.length(2);
      return got;
    });
    expect(all.map((r) => r.msg)).to.include.members(['starting cluster', 'cluster ready', 'booted slot 0']);
    expect(all.find((r) => r.msg === 'slot 0 says careful')).to.include({
      group: 'jobs',
      index: 0,
      stream: 'stderr',
      level: 40,
    });

    const slot1 = records((await cli('web.1', '-n', '100')).stdout);
    const workerLines = slot1.filter((r) => r.stream !== undefined);
    expect(workerLines.map((r) => r.msg)).to.deep.equal(['booted slot 1', 'slot 1 says hello']);
    expect(slot1.some((r) => r.msg === 'starting cluster')).to.equal(false);

    // The primary's records about jobs ("jobs: 1 ready") count among its lines.
    const last2 = records((await cli('-n', '2', 'jobs')).stdout);
    expect(last2).to.have.length(2);
    expect(last2[1]?.msg).to.equal('slot 0 says careful');

    const recent = await cli('--since', '1h', 'jobs');
    expect(records(recent.stdout).map((r) => r.msg)).to.include('slot 0 says careful');
    const future = await cli('--since', '2999-01-01', 'jobs');
    expect(future.stdout).to.equal('');
  });

  it('follows new lines until Ctrl-C', async () => {
    const { webPort, cli } = await started();
    const follower = spawn(
      process.execPath,
      [CLI, 'logs', 'web', '-f', '-n', '0', '-c', cluster.dir.configFile],
      {
        cwd: cluster.dir.path,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const lines: string[] = [];
      createInterface({ input: follower.stdout }).on('line', (line) => lines.push(line));
      // Lines said before the follower is attached may be missed (-n 0): keep saying until one arrives.
      await eventually(
        async () => {
          await getText(`http://127.0.0.1:${webPort}/say/followed`);
          expect(lines.some((line) => line.includes('says followed'))).to.equal(true);
        },
        20_000,
        300,
      );
      const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)));
      follower.kill('SIGINT');
      expect(await exited).to.equal(0);
      expect(records(lines.join('\n')).every((r) => r.group === 'web' || r.stream === undefined)).to.equal(
        true,
      );
    } finally {
      follower.kill('SIGKILL');
    }
    const unknown = await cli('wbe');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/unknown group wbe/);
  });

  it('stops quietly with exit 0 when its reader goes away (logs | head)', async () => {
    const { webPort } = await started();
    // More than a pipe holds, so the reader's exit is felt by a write.
    const text = 'y'.repeat(1000);
    for (let i = 0; i < 200; i++) await getText(`http://127.0.0.1:${webPort}/say/${i}-${text}`);
    const reader = spawn(process.execPath, [CLI, 'logs', '-n', '1000', '-c', cluster.dir.configFile], {
      cwd: cluster.dir.path,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    reader.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    reader.stdout.once('data', () => reader.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => reader.once('exit', (c) => resolve(c)));
    expect(code, stderr).to.equal(0);
  });

  it('exits 3 when no cluster runs, 2 on a bad option', async () => {
    cluster.dir.writeConfig({ groups: { web: { entry: app('talker.ts'), count: 1 } } });
    const none = await orchestrator(['logs', '-c', cluster.dir.configFile], cluster.dir.path);
    expect(none.code).to.equal(3);
    expect(none.stderr).to.match(/no cluster is running/);
    const bad = await orchestrator(
      ['logs', '--since', 'yesterday', '-c', cluster.dir.configFile],
      cluster.dir.path,
    );
    expect(bad.code).to.equal(2);
  });
});
