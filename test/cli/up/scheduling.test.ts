import { expect } from 'chai';
import { isAlive } from '../../chaos/worker-processes.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson, runLoad } from '../../helpers/load.ts';

interface Info {
  pid: number;
  fd: number | null;
}

describe('orchestrator up: per-group scheduling', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('gives round-robin and os groups of one config the policy each asked for', async () => {
    const rrPort = await freePort();
    const osPort = await freePort();
    const up = cluster.start({
      groups: {
        rr: {
          entry: app('http-info.ts'),
          count: 2,
          scheduling: 'round-robin',
          env: { PORT: String(rrPort) },
        },
        os: { entry: app('http-info.ts'), count: 2, scheduling: 'os', env: { PORT: String(osPort) } },
      },
    });
    await up.waitForMessage('cluster ready');

    // Under round-robin the primary owns the socket and the worker holds a stand-in handle without a file
    // descriptor; under `os` scheduling each worker holds the real listening socket.
    const rr = await getJson<Info>(`http://127.0.0.1:${rrPort}/`);
    const os = await getJson<Info>(`http://127.0.0.1:${osPort}/`);
    expect(rr.fd).to.equal(null);
    expect(os.fd).to.be.a('number').and.to.be.at.least(0);
  });

  it('reusePort: each worker binds its own socket, the kernel spreads fresh connections, and a reload rolls them', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: { entry: app('http-info.ts'), count: 2, scheduling: 'reusePort', env: { PORT: String(port) } },
      },
    });
    // Readiness needs the runtime's own 'listening' report: node:cluster never sees a worker-bound socket.
    await up.waitForMessage('cluster ready');
    const url = `http://127.0.0.1:${port}/`;

    const served = new Map<number, number>();
    for (let i = 0; i < 40; i++) {
      // A new connection each time (no keep-alive agent), so the kernel picks a socket for every request.
      const info = await getJson<Info>(url);
      expect(info.fd, 'a worker-held socket').to.be.a('number');
      served.set(info.pid, (served.get(info.pid) ?? 0) + 1);
    }
    expect(served.size, JSON.stringify([...served])).to.equal(2);

    const load = runLoad({ url, connections: 4, durationMs: 4000, maxRequests: 20_000 });
    up.signal('SIGHUP');
    await up.waitFor((r) => r.msg === 'rollout finished', 30_000, 'the reload to finish');
    const result = await load;
    expect(result.ok).to.be.greaterThan(0);
    await eventually(async () => {
      const alive = [...served.keys()].filter(isAlive);
      if (alive.length > 0) throw new Error(`old workers ${alive.join(', ')} still running`);
    }, 30_000);
    // An old worker may still be closing its socket: with net.ipv4.tcp_migrate_req=0 (the default) the kernel
    // resets a connection queued there, so each request is retried (docs/benchmarks.md measures how many).
    const after = new Set<number>();
    for (let i = 0; i < 20; i++) after.add((await eventually(() => getJson<Info>(url), 10_000, 50)).pid);
    expect(
      [...after].filter((pid) => served.has(pid)),
      'old workers still serving',
    ).to.deep.equal([]);
  });
});
