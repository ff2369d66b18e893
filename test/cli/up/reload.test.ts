import { expect } from 'chai';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { getJson, runLoad } from '../../helpers/load.ts';

const isRolloutDone = (record: { msg?: string }) => record.msg === 'rollout finished';

describe('orchestrator up: rolling reload (SIGHUP)', function () {
  this.timeout(90_000);
  const cluster = useCluster();

  for (const [name, entry] of [
    ['a node:http app', 'http-info.ts'],
    ['an unmodified Express app', 'express-app.mjs'],
    ['an unmodified Fastify app', 'fastify-app.mjs'],
  ] as const) {
    it(`replaces every worker of ${name} under keep-alive load with zero failed requests`, async () => {
      const port = await freePort();
      const up = cluster.start({
        groups: { web: { entry: app(entry), count: 2, env: { PORT: String(port) } } },
      });
      await up.waitForMessage('cluster ready');
      const url = `http://127.0.0.1:${port}/`;
      const before = new Set([(await getJson(url)).pid, (await getJson(url)).pid]);

      const load = runLoad({ url, connections: 16, durationMs: 6000, maxRequests: 200_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      up.signal('SIGHUP');
      await up.waitFor(isRolloutDone, 30_000, 'the reload to finish');
      const result = await load;

      expect(result.failed, JSON.stringify(result.reasons)).to.equal(0);
      expect(result.ok).to.be.greaterThan(100);
      expect(up.count(isRolloutDone), 'one record per rollout').to.equal(1);
      const after = new Set([(await getJson(url)).pid, (await getJson(url)).pid]);
      expect(
        [...after].filter((pid) => before.has(pid)),
        'old workers still serving',
      ).to.deep.equal([]);
    });
  }

  it('loses no new connection during a reload: each is answered, none hangs', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } } },
    });
    await up.waitForMessage('cluster ready');

    // Every request on a fresh connection: each one is handed to a worker by the primary, including in the
    // moment an old worker closes its server and exits.
    const load = runLoad({
      url: `http://127.0.0.1:${port}/`,
      connections: 8,
      durationMs: 6000,
      maxRequests: 50_000,
      fresh: true,
      timeoutMs: 3000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < 3; i++) {
      up.signal('SIGHUP');
      await up.waitFor((r) => isRolloutDone(r) && up.count(isRolloutDone) > i, 30_000, `reload ${i + 1}`);
    }
    const result = await load;

    expect(result.failed, JSON.stringify(result.reasons)).to.equal(0);
    expect(result.ok).to.be.greaterThan(100);
  });

  it('rolls the new settings out when the config changed before the SIGHUP', async () => {
    const port = await freePort();
    // Not watched: with a watch, the save itself would start a roll that the SIGHUP's supersedes, and the test
    // could see that first roll's record.
    const up = cluster.start({
      watch: false,
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port), MARKER: 'one' } } },
    });
    await up.waitForMessage('cluster ready');
    cluster.dir.writeConfig({
      watch: false,
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port), MARKER: 'two' } } },
    });

    up.signal('SIGHUP');
    await up.waitFor(isRolloutDone, 30_000, 'the reload to finish');
    // The roll finishes when the last old worker is told to drain; until it has closed, the primary may still
    // hand it a connection, which it serves (gracefully) with the old settings. Once both old ones exited, none.
    const oldExit = (r: { msg?: string; intent?: unknown }) =>
      r.msg === 'worker exited' && r.intent === 'reload';
    await up.waitFor(() => up.count(oldExit) >= 2, 30_000, 'the old workers to exit');

    const markers = new Set<unknown>();
    for (let i = 0; i < 6; i++) markers.add((await getJson(`http://127.0.0.1:${port}/`)).marker);
    expect([...markers]).to.deep.equal(['two']);
  });

  it('keeps the old workers serving when the new ones crash at start-up', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } } },
    });
    await up.waitForMessage('cluster ready');
    const url = `http://127.0.0.1:${port}/`;
    const before = new Set([(await getJson(url)).pid, (await getJson(url)).pid]);
    cluster.dir.writeConfig({
      groups: { web: { entry: app('crash-at-start.ts'), count: 2, env: { PORT: String(port) } } },
    });

    up.signal('SIGHUP');
    await up.waitFor((r) => r.msg === 'reload aborted', 30_000, 'the abort');

    const after = new Set<number>();
    for (let i = 0; i < 6; i++) after.add((await getJson(url)).pid as number);
    expect([...after].sort()).to.deep.equal([...before].sort());
  });
});
