import { createServer } from 'node:net';
import { expect } from 'chai';
import { request } from 'undici';
import type { GroupStatus } from '../../../src/primary/status.ts';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson, getText } from '../../helpers/load.ts';

const fastCrashLoop = {
  backoff: { strategy: 'fixed', delayMs: 50 },
  restart: { maxRestarts: 3, windowMs: 60_000 },
};

/** Runs `body` with a loopback port held by this test process, as an old server would hold it. */
async function withTakenPort(body: (port: number) => Promise<void>): Promise<void> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  try {
    await body((blocker.address() as { port: number }).port);
  } finally {
    blocker.close();
  }
}

describe('orchestrator up: faults', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('refuses a config whose entry does not exist, before forking anything', async () => {
    const up = cluster.start({ groups: { web: { entry: './missing.js' } } });
    const { code } = await up.exited;
    expect(code).to.equal(1);
    expect(up.raw.join('\n')).to.match(/groups\.web\.entry/);
  });

  it('gives up on a group that crashes at start-up while the other group keeps serving', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } },
        broken: { entry: app('crash-at-start.ts'), count: 1, ...fastCrashLoop },
      },
    });
    await up.waitForMessage('group failed', 30_000);

    expect((await getJson(`http://127.0.0.1:${port}/`)).group).to.equal('web');
    expect(up.child.exitCode).to.equal(null);
    // The crashing worker's last words were logged, tagged with its group.
    expect(up.records.some((r) => r.group === 'broken' && String(r.msg).includes('about to fail'))).to.equal(
      true,
    );
  });

  it('fails a group whose port is taken, saying once which process holds the port, and stays up', async () => {
    await withTakenPort(async (port) => {
      const up = cluster.start({
        groups: {
          web: { entry: app('http-info.ts'), count: 1, env: { PORT: String(port) }, ...fastCrashLoop },
        },
      });
      await up.waitForMessage('group failed', 30_000);
      expect(up.records.some((r) => String(r.msg).includes('EADDRINUSE'))).to.equal(true);
      expect(up.child.exitCode).to.equal(null);
      // 4 attempts (maxRestarts 3), one line: the port and its holder, this test process.
      expect(up.count((r) => r.msg === 'worker exited')).to.equal(4);
      await up.waitFor((r) => String(r.msg).includes('is already in use'), 30_000, 'the port line');
      const told = up.records.filter((r) => String(r.msg).includes('is already in use'));
      expect(told).to.have.length(1);
      // Each worker says it in one line instead of Node's twenty-line crash report.
      const webLines = up.records.filter((r) => r.group === 'web' && r.stream === 'stderr').map((r) => r.msg);
      expect(webLines).to.have.length(4);
      for (const line of webLines)
        expect(line).to.match(new RegExp(`^Error: (listen|bind) EADDRINUSE.*:${port}$`));
      expect(told[0]?.msg).to.match(
        new RegExp(
          `^web: 127\\.0\\.0\\.1:${port} is already in use, held by pid ${process.pid} \\(.+\\); its workers cannot listen$`,
        ),
      );
    });
  });

  it('leaves a listen error to an app that handles uncaught exceptions itself', async () => {
    await withTakenPort(async (port) => {
      const up = cluster.start({
        groups: {
          web: { entry: app('own-uncaught.ts'), count: 1, env: { PORT: String(port) }, ...fastCrashLoop },
        },
      });
      await up.waitForMessage('group failed', 30_000);
      expect(up.records.filter((r) => r.msg === 'worker exited').map((r) => r.code)).to.deep.equal([
        3, 3, 3, 3,
      ]);
      expect(up.count((r) => r.group === 'web' && r.msg === 'app handled EADDRINUSE')).to.equal(4);
    });
  });

  it("says a group crash-loops and why (its worker's error line) in the log, status and /readyz", async () => {
    const metricsPort = await freePort();
    await withTakenPort(async (port) => {
      const up = cluster.start({
        groups: {
          web: {
            entry: app('http-info.ts'),
            count: 1,
            env: { PORT: String(port) },
            backoff: { strategy: 'fixed', delayMs: 300 },
            restart: { maxRestarts: 1000, windowMs: 60_000 },
          },
        },
        metrics: { port: metricsPort },
      });
      const logged = await up.waitForMessage('group crash-looping', 30_000);
      expect(logged.group).to.equal('web');
      expect(String(logged.reason)).to.match(new RegExp(`^exit code 1: Error: .*EADDRINUSE.*:${port}$`));

      const file = cluster.dir.configFile;
      const json = JSON.parse(
        (await orchestrator(['status', '--json', '-c', file], cluster.dir.path)).stdout,
      );
      const [web] = json.groups as GroupStatus[];
      expect(web?.state).to.equal('starting');
      expect(web?.condition).to.equal('crash-looping');
      expect(web?.lastExit?.code).to.equal(1);
      expect(web?.lastExit?.stderr).to.match(new RegExp(`EADDRINUSE.*:${port}$`));

      const table = (await orchestrator(['status', '-c', file], cluster.dir.path)).stdout;
      expect(table).to.match(/^web: crash-looping; last exit: exit code 1: Error: .*EADDRINUSE/m);
      expect(table).to.match(/^web\s+starting \(crash-looping\)/m);

      const readyz = await request(`http://127.0.0.1:${metricsPort}/readyz`);
      expect(readyz.statusCode).to.equal(503);
      const body = (await readyz.body.json()) as { short: Array<{ group: string; reason?: string }> };
      expect(body.short[0]?.reason).to.match(/^crash-looping: exit code 1: Error: .*EADDRINUSE/);
    });
  });

  it('says in one line that the metrics port is taken, and exits 1 without starting a worker', async () => {
    await withTakenPort(async (port) => {
      const up = cluster.start({
        groups: { web: { entry: app('http-info.ts'), count: 1, env: { PORT: '0' } } },
        metrics: { port },
      });
      const { code } = await up.exited;
      expect(code).to.equal(1);
      const said = up.raw.filter((line) => line.includes('metrics endpoint'));
      expect(said).to.deep.equal([
        `orchestrator up: metrics endpoint: cannot listen on 127.0.0.1:${port}: the port is already in use (metrics.port, or ORCHESTRATOR_METRICS_PORT)`,
      ]);
      expect(up.raw.join('\n')).not.to.match(/internal error|\n\s+at /);
      expect(up.records.some((r) => r.msg === 'worker exited' || r.worker !== undefined)).to.equal(false);
    });
  });

  it('accepts count 0: the group exists and runs nothing', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: { entry: app('http-info.ts'), count: 1, env: { PORT: String(port) } },
        idle: { entry: app('http-info.ts'), count: 0 },
      },
    });
    await up.waitForMessage('cluster ready');
    expect(up.count((r) => r.group === 'idle' && typeof r.pid === 'number' && r.pid > 0)).to.equal(0);
  });

  it('kills a worker that ignores SIGTERM once its drain deadline passes', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('ignore-sigterm.ts'),
          count: 1,
          env: { PORT: String(port) },
          shutdown: { timeoutMs: 1000 },
        },
      },
    });
    await up.waitForMessage('cluster ready');
    const started = Date.now();

    up.signal('SIGTERM');
    const { code } = await up.exited;

    expect(code).to.equal(0);
    expect(Date.now() - started).to.be.at.least(1000);
    expect(up.records.some((r) => r.msg === 'stuck')).to.equal(true);
    expect(up.records.find((r) => r.msg === 'worker exited')).to.include({ signal: 'SIGKILL', group: 'web' });
  });

  it('stops a worker drained while it is still starting (before its runtime listens) without waiting for its deadline', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('http-info.ts'),
          count: 1,
          backoff: { strategy: 'none' },
          shutdown: { timeoutMs: 30_000 },
          env: {
            PORT: String(port),
            NODE_OPTIONS: `--import ${app('slow-import.mjs')}`,
            SLOW_IMPORT_MS: '3000',
          },
        },
      },
    });
    await up.waitForMessage('cluster ready', 30_000);
    const [first] = (up.records.find((r) => r.msg === 'web: 1 ready')?.pids ?? []) as number[];

    // Killed: its slot is forked again at once, and the new worker spends 3 s loading before our runtime.
    process.kill(first as number, 'SIGKILL');
    await up.waitFor(
      (r) => String(r.msg).startsWith('slow import start') && r.pid !== first,
      15_000,
      'the new worker to start loading',
    );
    up.signal('SIGTERM');
    const { code } = await up.exited;

    expect(code).to.equal(0);
    // Told to stop in a way it could not miss: no drain message lost, no 30 s wait for the deadline.
    expect(up.count((r) => r.msg === 'drain deadline passed')).to.equal(0);
  });

  it('kills every worker at once on a second SIGINT, and exits 130', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('ignore-sigterm.ts'),
          count: 2,
          env: { PORT: String(port) },
          shutdown: { timeoutMs: 60_000 },
        },
      },
    });
    await up.waitForMessage('cluster ready');

    up.signal('SIGINT');
    await up.waitFor((r) => r.msg === 'stuck', 10_000, 'a worker stuck in its drain');
    const started = Date.now();
    up.signal('SIGINT');
    const { code } = await up.exited;

    expect(code).to.equal(130);
    // Far sooner than the 60 s drain deadline: the second SIGINT did not wait for it.
    expect(Date.now() - started).to.be.lessThan(30_000);
    expect(up.count((r) => r.msg === 'worker exited' && r.signal === 'SIGKILL')).to.equal(2);
  });

  it('replaces a worker whose event loop is blocked once its heartbeats stop', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('block-loop.ts'),
          count: 1,
          env: { PORT: String(port) },
          health: { heartbeatTimeoutMs: 1500 },
          backoff: { strategy: 'none' },
        },
      },
    });
    await up.waitForMessage('cluster ready');
    const url = `http://127.0.0.1:${port}/`;
    const blocked = Number((await getText(url)).trim());
    await getText(`${url}block`);

    const replacement = await eventually(async () => {
      const pid = Number(await getText(url, 500));
      if (pid === blocked) throw new Error('still the blocked worker');
      return pid;
    }, 15_000).catch((error) => {
      throw new Error(`${error}\n${up.raw.slice(-20).join('\n')}`);
    });
    expect(replacement).to.not.equal(blocked);
    expect(() => process.kill(blocked, 0)).to.throw();
  });

  it('replaces a worker over its memory limit gracefully: the new one is ready before the old one drains', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('memory-hog.ts'),
          count: 1,
          env: { PORT: String(port), MEGABYTES: '150' },
          health: { maxMemoryMb: 100 },
        },
      },
    });
    await up.waitForMessage('cluster ready');
    const url = `http://127.0.0.1:${port}/`;
    const hog = Number(await getText(`${url}grow`));

    const replacement = await eventually(async () => {
      const pid = Number(await getText(url));
      if (pid === hog) throw new Error('still the old worker');
      return pid;
    }, 15_000);
    expect(replacement).to.not.equal(hog);
    // Served without a gap: every request in between got an answer (fetch above never threw for lack of a worker).
  });
});
