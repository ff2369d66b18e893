import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { controlSocketPath } from '../../src/primary/control/socket-path.ts';
import type { StatusJson } from '../../src/primary/status.ts';
import { orchestrator, orchestratorInProcess } from '../helpers/cli.ts';
import { app } from '../helpers/cluster-dir.ts';
import { useCluster } from '../helpers/cluster-fixture.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually, getJson } from '../helpers/load.ts';
import { waitUntilGone } from '../helpers/tagged-processes.ts';
import { UpProcess } from '../helpers/up-process.ts';

/** Raw HTTP over the control socket, the way `curl --unix-socket` talks to it. */
function raw(
  socketPath: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('control plane: status, reload, scale, down', function () {
  this.timeout(90_000);
  const cluster = useCluster();

  async function started(count = 2) {
    const port = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count, env: { PORT: String(port) } } },
    });
    await up.waitForMessage('cluster ready');
    const cli = (...args: string[]) =>
      orchestrator([...args, '-c', cluster.dir.configFile], cluster.dir.path);
    const status = async (): Promise<StatusJson> =>
      JSON.parse((await cli('status', '--json')).stdout) as StatusJson;
    return { up, port, cli, status, socket: controlSocketPath(cluster.dir.configFile) };
  }

  it('status --json shows the groups and workers in the contract shape', async () => {
    const { up, status } = await started();
    const s = await status();
    expect(s.pid).to.equal(up.child.pid);
    expect(s.config).to.deep.equal({ path: cluster.dir.configFile, generation: 1, error: null });
    expect(s.groups).to.have.length(1);
    const [web] = s.groups;
    expect(web).to.include({ name: 'web', state: 'running', scheduling: 'round-robin', desired: 2 });
    expect(web?.workers.map((w) => [w.index, w.state])).to.deep.equal([
      [0, 'ready'],
      [1, 'ready'],
    ]);
    for (const worker of web?.workers ?? []) {
      expect(worker.pid).to.be.a('number');
      expect(worker.restarts).to.equal(0);
      expect(Date.parse(worker.startedAt)).to.be.closeTo(Date.now(), 60_000);
    }
  });

  it('status prints a table with ready/desired, and exits 3 when no cluster runs', async () => {
    const { cli } = await started();
    const table = await cli('status');
    expect(table.code).to.equal(0);
    expect(table.stdout).to.match(/^web\s+running\s+2\/2\s+0/m);
    expect(table.stdout).to.match(/^ web\.0\s+ready/m);

    const none = await orchestrator(
      ['status', '-c', `${cluster.dir.path}/nothing-here.json`],
      cluster.dir.path,
    );
    expect(none.code).to.equal(3);
    expect(none.stderr.trim().split('\n')).to.have.length(1);
  });

  it('status finds the config from a subfolder, like git finds its repository, and names its socket', async () => {
    const { socket } = await started(1);
    const sub = join(cluster.dir.path, 'src', 'deep');
    mkdirSync(sub, { recursive: true });
    const result = await orchestrator(['status', '--json'], sub);
    expect(result.code, result.stderr).to.equal(0);
    const json = JSON.parse(result.stdout) as StatusJson;
    expect(json.socket).to.equal(socket);
    expect(json.config.path).to.equal(realpathSync(cluster.dir.configFile));
  });

  it('keeps the socket in a folder only the owner can enter, the socket itself 0600', async () => {
    const { socket } = await started(1);
    expect(statSync(dirname(socket)).mode & 0o777).to.equal(0o700);
    expect(statSync(socket).mode & 0o777).to.equal(0o600);
  });

  it('scale sets a count until the next config change, and refuses a bad group or count', async () => {
    const { cli, status } = await started(1);
    expect((await cli('scale', 'web=3')).code).to.equal(0);
    await eventually(async () => {
      const web = (await status()).groups[0];
      if (web?.ready !== 3) throw new Error(`ready ${web?.ready}`);
    });

    expect((await cli('scale', 'nope=2')).code).to.equal(1);
    expect((await cli('scale', 'web=many')).code).to.equal(2);
    expect((await cli('scale', 'web=100000')).code).to.equal(2);
    expect((await status()).groups[0]?.desired).to.equal(3);

    expect((await cli('scale', 'web=1')).code).to.equal(0);
    await eventually(async () => {
      const workers = (await status()).groups[0]?.workers ?? [];
      if (workers.length !== 1) throw new Error(`${workers.length} workers`);
      expect(workers[0]?.index).to.equal(0);
    });
  });

  it('answers malformed, unknown, absurd and oversized requests with a 4xx and changes nothing', async () => {
    const { socket, status } = await started(1);
    const before = await status();
    expect((await raw(socket, 'POST', '/scale', '{not json')).status).to.equal(400);
    expect((await raw(socket, 'POST', '/scale', JSON.stringify({ counts: { ghost: 1 } }))).status).to.equal(
      404,
    );
    expect((await raw(socket, 'POST', '/scale', JSON.stringify({ counts: { web: 1e9 } }))).status).to.equal(
      400,
    );
    expect((await raw(socket, 'POST', '/scale', JSON.stringify({ counts: { web: -1 } }))).status).to.equal(
      400,
    );
    expect((await raw(socket, 'POST', '/scale', 'x'.repeat(200_000))).status).to.equal(413);
    expect((await raw(socket, 'POST', '/reload', JSON.stringify({ groups: 'web' }))).status).to.equal(400);
    expect((await raw(socket, 'POST', '/reload', JSON.stringify({ groups: ['ghost'] }))).status).to.equal(
      404,
    );
    expect((await raw(socket, 'GET', '/nowhere')).status).to.equal(404);
    expect((await raw(socket, 'DELETE', '/status')).status).to.equal(405);
    const after = await status();
    // Everything but the live gauges (memory, CPU time, event-loop delay) is as it was.
    const shape = (s: StatusJson) =>
      s.groups.map((g) => ({
        ...g,
        workers: g.workers.map(({ rss: _r, cpuSeconds: _c, loopDelayMs: _l, ...w }) => w),
      }));
    expect(shape(after)).to.deep.equal(shape(before));
    expect(after.config.generation).to.equal(before.config.generation);
  });

  it('refuses to reload or scale while the cluster shuts down (409), and status still answers', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('ignore-sigterm.ts'),
          count: 1,
          env: { PORT: String(port) },
          shutdown: { timeoutMs: 5000 },
        },
      },
    });
    await up.waitForMessage('cluster ready');
    const socket = controlSocketPath(cluster.dir.configFile);
    up.signal('SIGTERM');
    await up.waitFor((r) => r.msg === 'stuck', 10_000, 'the worker to start draining');

    expect((await raw(socket, 'POST', '/scale', JSON.stringify({ counts: { web: 2 } }))).status).to.equal(
      409,
    );
    expect((await raw(socket, 'POST', '/reload', '{}')).status).to.equal(409);
    const status = JSON.parse((await raw(socket, 'GET', '/status')).text) as StatusJson;
    expect(status.groups[0]?.state).to.equal('stopping');
    expect((await up.exited).code).to.equal(0);
  });

  it('reload rolls every worker, printing progress, and exits 0', async () => {
    const { cli, status } = await started();
    const before = (await status()).groups[0]?.workers.map((w) => w.pid);
    const result = await cli('reload');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/rolling web/);
    expect(result.stdout).to.match(/web: every worker replaced/);
    // The roll is over once the last old worker drains; it may still be exiting for a moment after.
    const s = await eventually(async () => {
      const current = await status();
      expect(current.groups[0]?.workers).to.have.length(2);
      return current;
    });
    const after = s.groups[0]?.workers.map((w) => w.pid);
    expect(s.groups[0]?.lastReload?.outcome).to.equal('finished');
    expect(after?.filter((pid) => before?.includes(pid))).to.deep.equal([]);
  });

  it('status shows a scale override and since when; the reload that ends it says so', async () => {
    const { cli, status } = await started(1);
    const before = Date.now();
    expect((await cli('scale', 'web=2')).code).to.equal(0);
    const scaled = (await status()).groups[0]?.scaled;
    expect(Date.parse(scaled?.since ?? '')).to.be.within(before - 1000, Date.now());
    expect((await cli('status')).stdout).to.include("web: scaled to 2 by 'orchestrator scale' since");

    const result = await cli('reload');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(
      /^web: the scale override \(2 workers since \S+\) ends: back to the config's count$/m,
    );
    const after = (await status()).groups[0];
    expect(after?.scaled).to.equal(null);
    expect(after?.desired).to.equal(1);
  });

  it('reload exits 1 for an unknown group, and when the new workers fail (the old ones keep serving)', async () => {
    const { cli, port, status } = await started();
    expect((await cli('reload', 'ghost')).code).to.equal(1);

    const before = (await status()).groups[0]?.workers.map((w) => w.pid).sort();
    cluster.dir.writeConfig({
      groups: { web: { entry: app('crash-at-start.ts'), count: 2, env: { PORT: String(port) } } },
      watch: false,
    });
    const result = await cli('reload');
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/reload failed: web aborted/);
    const after = await status();
    expect(after.groups[0]?.workers.map((w) => w.pid).sort()).to.deep.equal(before);
    expect(after.groups[0]?.lastReload).to.include({ outcome: 'aborted', reason: 'crashed' });
    expect((await cli('status')).stdout).to.match(
      /^web: last reload aborted \(crashed\) at .*; old workers serving$/m,
    );
    expect((await getJson(`http://127.0.0.1:${port}/`)).group).to.equal('web');
  });

  it('a reload requested during a reload supersedes it, leaving no worker of an old generation', async () => {
    const { cli, status } = await started(3);
    const first = cli('reload');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await cli('reload');
    expect(second.code, second.stderr).to.equal(0);
    expect((await first).code).to.be.oneOf([0, 1]);
    // The reload is done once the new workers serve; the last old one may still be draining out.
    await eventually(async () => {
      const s = await status();
      const rollouts = new Set(s.groups[0]?.workers.map((w) => w.rollout));
      expect(s.groups[0]?.workers).to.have.length(3);
      expect(rollouts.size).to.equal(1);
      expect(s.groups[0]?.workers.every((w) => w.state === 'ready')).to.equal(true);
    });
  });

  it('down drains the cluster and returns once it has stopped', async () => {
    const { up, cli } = await started();
    const result = await cli('down');
    expect(result.code).to.equal(0);
    expect((await up.exited).code).to.equal(0);
    expect(await waitUntilGone(up.tag, 2000)).to.deep.equal([]);
    expect((await cli('status')).code).to.equal(3);
  });

  it('starts over a stale socket left by a killed primary, and refuses a second up for the same config', async () => {
    const { up, socket } = await started(1);
    const second = new UpProcess(['up', '-c', cluster.dir.configFile], { cwd: cluster.dir.path });
    const refused = await second.exited;
    expect(refused.code).to.equal(1);
    expect(second.raw.join('\n')).to.match(/already running/);

    up.signal('SIGKILL');
    await up.exited;
    expect(statSync(socket).isSocket()).to.equal(true);
    const third = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 1, env: { PORT: String(await freePort()) } } },
    });
    await third.waitForMessage('cluster ready');
    expect((await orchestrator(['status', '-c', cluster.dir.configFile], cluster.dir.path)).code).to.equal(0);
  });
});

describe('control client: a cluster that refuses or drops the connection', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-control-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('says the connection was closed before an answer, in one line, exit 1 (what a primary out of fds does)', async () => {
    const socketPath = join(dir, 'control.sock');
    // Accepts and closes at once, as libuv does when accept() fails with EMFILE.
    const server = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      for (const command of ['status', 'scale', 'reload', 'down']) {
        const args = command === 'scale' ? ['scale', 'web=1'] : [command];
        const result = await orchestratorInProcess([...args, '--socket', socketPath], dir);
        expect(result.code, command).to.equal(1);
        const lines = result.stderr.trim().split('\n');
        expect(lines, command).to.have.length(1);
        expect(lines[0]).to.match(
          new RegExp(
            `^orchestrator ${command}: the cluster closed the connection .* before answering \\((ECONNRESET|EPIPE)\\)`,
          ),
        );
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
