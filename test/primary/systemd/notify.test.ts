import { expect } from 'chai';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { NotifySocket } from '../../helpers/notify-socket.ts';

describe('orchestrator up under systemd (Type=notify)', function () {
  this.timeout(60_000);
  const cluster = useCluster();
  let socket: NotifySocket | undefined;
  afterEach(async () => {
    await socket?.close();
    expect(socket?.child.exitCode !== null || socket?.child.signalCode !== null).to.equal(true);
    socket = undefined;
  });

  it('sends READY=1 once every group is ready, and STOPPING=1 on SIGTERM', async () => {
    socket = new NotifySocket();
    await socket.listening();
    const port = await freePort();
    const up = cluster.start(
      { groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } } } },
      { NOTIFY_SOCKET: socket.path },
    );
    await up.waitForMessage('cluster ready');
    const ready = await socket.waitFor((m) => m.includes('READY=1'));
    expect(ready).to.include('STATUS=ready: web 2/2');
    // Nothing said "ready" before the workers were: the first message is the READY=1 one or a not-ready status.
    expect(socket.messages.filter((m) => m.startsWith('READY=1') || m.startsWith('STATUS='))[0]).to.satisfy(
      (first: string) => first === ready || first.includes('not ready'),
    );

    up.signal('SIGTERM');
    await socket.waitFor((m) => m.includes('STOPPING=1'));
    const { code } = await up.exited;
    expect(code).to.equal(0);
    expect(socket.messages.filter((m) => m.includes('READY=1'))).to.have.length(1);
  });

  it('sends nothing when NOTIFY_SOCKET is not set', async () => {
    const port = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 1, env: { PORT: String(port) } } },
    });
    await up.waitForMessage('cluster ready');
    expect(up.raw.filter((line) => line.includes('systemd'))).to.deep.equal([]);
  });
});
