import { expect } from 'chai';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson } from '../../helpers/load.ts';
import { processesTagged, waitUntilGone } from '../../helpers/tagged-processes.ts';

interface Info {
  pid: number;
  group: string;
  index: number;
  id: number;
  format?: string;
}

/** Distinct worker pids seen over `requests` fresh connections (round-robin spreads them). */
async function servingPids(url: string, requests = 12): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < requests; i++) pids.add((await getJson<Info>(url)).pid);
  return pids;
}

describe('orchestrator up: serving', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('starts every worker of every group, each told its group, slot and id', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } } },
    });
    await up.waitForMessage('cluster ready');

    const seen = new Map<number, Info>();
    for (let i = 0; i < 8; i++) {
      const info = await getJson<Info>(`http://127.0.0.1:${port}/`);
      seen.set(info.pid, info);
    }
    const infos = [...seen.values()];
    expect(infos).to.have.length(2);
    expect(infos.map((info) => info.group)).to.deep.equal(['web', 'web']);
    expect(infos.map((info) => info.index).sort()).to.deep.equal([0, 1]);
    expect(new Set(infos.map((info) => info.id)).size).to.equal(2);
  });

  it('runs CommonJS, ES module and TypeScript entries side by side', async () => {
    const ports = { cjs: await freePort(), esm: await freePort(), ts: await freePort() };
    const up = cluster.start({
      groups: {
        cjs: { entry: app('http-info.cjs'), count: 1, env: { PORT: String(ports.cjs) } },
        esm: { entry: app('http-info.mjs'), count: 1, env: { PORT: String(ports.esm) } },
        ts: { entry: app('http-info.ts'), count: 1, env: { PORT: String(ports.ts) } },
      },
    });
    await up.waitForMessage('cluster ready');

    expect((await getJson<Info>(`http://127.0.0.1:${ports.cjs}/`)).format).to.equal('cjs');
    expect((await getJson<Info>(`http://127.0.0.1:${ports.esm}/`)).format).to.equal('esm');
    expect((await getJson<Info>(`http://127.0.0.1:${ports.ts}/`)).group).to.equal('ts');
  });

  it('replaces a worker killed with SIGKILL, in the same slot, and keeps serving', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app('http-info.ts'),
          count: 2,
          env: { PORT: String(port) },
          backoff: { strategy: 'none' },
        },
      },
    });
    await up.waitForMessage('cluster ready');
    const url = `http://127.0.0.1:${port}/`;
    const victim = await getJson<Info>(url);

    process.kill(victim.pid, 'SIGKILL');

    const after = await eventually(async () => {
      const pids = await servingPids(url);
      if (pids.size !== 2 || pids.has(victim.pid)) throw new Error(`serving pids ${[...pids]}`);
      return pids;
    });
    expect(after.has(victim.pid)).to.equal(false);
    const replacement = await eventually(async () => {
      const info = await getJson<Info>(url);
      if (info.index !== victim.index) throw new Error('other slot');
      return info;
    });
    expect(replacement.pid).to.not.equal(victim.pid);
  });

  it('drains and exits 0 on SIGTERM, leaving no process behind', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } } },
    });
    await up.waitForMessage('cluster ready');
    expect(processesTagged(up.tag)).to.have.length(3);

    up.signal('SIGTERM');
    const { code } = await up.exited;

    expect(code).to.equal(0);
    expect(await waitUntilGone(up.tag, 2000)).to.deep.equal([]);
  });

  it('takes every worker down within 2 s when the primary itself is killed with SIGKILL', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } } },
    });
    await up.waitForMessage('cluster ready');

    up.signal('SIGKILL');
    await up.exited;

    expect(await waitUntilGone(up.tag, 2000)).to.deep.equal([]);
  });

  it('exits 1 with the key path when the config is invalid, starting nothing', async () => {
    const up = cluster.start({ groups: { web: { entry: app('http-info.ts'), count: -1 } } });
    const { code } = await up.exited;
    expect(code).to.equal(1);
    expect(up.raw.join('\n')).to.match(/groups\.web\.count/);
  });
});
