import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { pino } from 'pino';
import { createRemoteHost, HELPER_RESTART } from '../../../src/primary/hosts/remote-host.ts';
import type { HostEvent } from '../../../src/primary/hosts/types.ts';
import { childProcesses, isAlive } from '../../chaos/worker-processes.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually } from '../../helpers/load.ts';

const PRELOAD = fileURLToPath(new URL('../../../src/worker/preload.ts', import.meta.url));

function helpers(): number[] {
  return childProcesses(process.pid)
    .filter((child) => child.cmdline.includes('host-process'))
    .map((child) => child.pid);
}

describe('remote host (a helper primary for os scheduling)', function () {
  this.timeout(30_000);

  it('reports its workers lost when the helper dies, gives up past its restart budget, and tries again once the deaths age out', async () => {
    const events: HostEvent[] = [];
    const records: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line).msg) });
    // No restart at all within 300 ms: the first death gives up. The moment the loss is reported (so well
    // within those 300 ms, however busy the machine), the engine would fork the slot again: so does this.
    const host = createRemoteHost(
      'os',
      PRELOAD,
      (event) => {
        events.push(event);
        if (event.type === 'exit' && event.cause === 'host-lost') host.fork(request(2));
      },
      log,
      { maxRestarts: 0, windowMs: 300, backoff: { strategy: 'none' }, unresponsiveMs: 60_000 },
    );
    const port = await freePort();
    const request = (worker: number) => ({
      worker,
      entry: app('http-info.ts'),
      args: [],
      execArgv: [],
      env: { PORT: String(port) },
    });
    const forked = (worker: number) =>
      eventually(async () => {
        const found = events.find((e) => e.type === 'forked' && e.worker === worker);
        if (found?.type !== 'forked') throw new Error(`worker ${worker} not forked yet`);
        return found.pid;
      });
    try {
      host.fork(request(1));
      const pid = await forked(1);
      const [first] = helpers();

      process.kill(first as number, 'SIGKILL');
      // Lost with its helper; and, given up, the fork that followed failed at once, as a plain exit with the
      // reason (the group's crash-loop guard counts it).
      await eventually(async () => {
        expect(events.filter((e) => e.type === 'exit')).to.deep.equal([
          { type: 'exit', worker: 1, code: null, signal: 'SIGKILL', cause: 'host-lost' },
          {
            type: 'exit',
            worker: 2,
            code: null,
            signal: null,
            error: "the helper process for 'os' scheduling is gone (it kept dying)",
          },
        ]);
      });
      expect(records.some((msg) => msg.includes('keeps dying'))).to.equal(true);
      await eventually(async () => expect(isAlive(pid), 'the orphaned worker').to.equal(false));

      // Once the death is older than the window, a fork starts a new helper.
      let worker = 3;
      await eventually(async () => {
        host.fork(request(worker));
        const refused = events.some((e) => e.type === 'exit' && e.worker === worker);
        worker++;
        expect(refused, 'fork refused').to.equal(false);
      }, 5000);
      await forked(worker - 1);
      expect(helpers()).to.have.length(1).and.to.not.include(first);
    } finally {
      await host.close();
    }
    expect(helpers()).to.deep.equal([]);
  });

  it('kills a helper that stops answering (SIGSTOP), reports its workers lost and starts a new one', async () => {
    const events: HostEvent[] = [];
    const records: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line).msg) });
    const host = createRemoteHost('os', PRELOAD, (event) => events.push(event), log, {
      ...HELPER_RESTART,
      unresponsiveMs: 2000,
    });
    const port = await freePort();
    const request = (worker: number) => ({
      worker,
      entry: app('http-info.ts'),
      args: [],
      execArgv: [],
      env: { PORT: String(port) },
    });
    const forked = (worker: number) =>
      eventually(async () => {
        const found = events.find((e) => e.type === 'forked' && e.worker === worker);
        if (found?.type !== 'forked') throw new Error(`worker ${worker} not forked yet`);
        return found.pid;
      }, 10_000);
    try {
      host.fork(request(1));
      const pid = await forked(1);
      const [first] = helpers();
      process.kill(first as number, 'SIGSTOP');
      await eventually(async () => {
        expect(events.filter((e) => e.type === 'exit')).to.deep.equal([
          { type: 'exit', worker: 1, code: null, signal: 'SIGKILL', cause: 'host-lost' },
        ]);
      }, 15_000);
      expect(records.some((msg) => msg.includes('stopped answering'))).to.equal(true);
      await eventually(async () => expect(isAlive(pid), "the hung helper's worker").to.equal(false));
      await eventually(async () => expect(isAlive(first as number), 'the hung helper').to.equal(false));
      host.fork(request(2));
      await forked(2);
      expect(helpers()).to.have.length(1).and.to.not.include(first);
    } finally {
      // Whatever happened, a stopped helper must not keep close() waiting.
      for (const pid of helpers()) process.kill(pid, 'SIGCONT');
      await host.close();
    }
    expect(helpers()).to.deep.equal([]);
  });
});
