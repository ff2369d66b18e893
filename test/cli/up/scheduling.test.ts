import { expect } from 'chai';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { getJson } from '../../helpers/load.ts';

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
});
