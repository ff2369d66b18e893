import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { expect } from 'chai';
import { createBootPriority, mayRestorePriority } from '../../src/primary/hosts/boot-priority.ts';
import { workerProcesses } from '../chaos/worker-processes.ts';
import { app } from '../helpers/cluster-dir.ts';
import { useCluster } from '../helpers/cluster-fixture.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually } from '../helpers/load.ts';

const ROOT_STATUS = 'Name:\tnode\nCapEff:\t000001fffeffffff\n';
const DOCKER_ROOT_STATUS = 'CapEff:\t00000000a80425fb\n';
const LIMITS = (nice: number) =>
  `Limit Soft Limit Hard Limit Units\nMax nice priority         ${nice}                    ${nice}\n`;

describe('booting workers run at a lower priority', () => {
  it('only where the priority can be given back: CAP_SYS_NICE or an RLIMIT_NICE that allows it', () => {
    expect(mayRestorePriority(ROOT_STATUS, LIMITS(0), 0)).to.equal(true);
    // Docker's default capabilities leave CAP_SYS_NICE out.
    expect(mayRestorePriority(DOCKER_ROOT_STATUS, LIMITS(0), 0)).to.equal(false);
    expect(mayRestorePriority(DOCKER_ROOT_STATUS, LIMITS(20), 0)).to.equal(true);
    expect(mayRestorePriority(DOCKER_ROOT_STATUS, LIMITS(15), 5)).to.equal(true);
    expect(mayRestorePriority(DOCKER_ROOT_STATUS, LIMITS(15), 0)).to.equal(false);
    expect(mayRestorePriority('', '', 0)).to.equal(false);
  });

  it('lowers a worker forked while its slot is served, restores it once when it serves, forgets one that exits', () => {
    const calls: [number, number][] = [];
    const priority = createBootPriority({
      enabled: true,
      base: 2,
      setPriority: (pid, value) => {
        if (pid === 13) throw new Error('ESRCH');
        calls.push([pid, value]);
      },
    });
    // The first start: nobody serves yet, so nothing is lowered.
    priority.booting(1, 'web.0');
    priority.booting(2, 'web.1');
    priority.serving(1);
    priority.serving(2);
    expect(calls).to.deep.equal([]);
    // A reload: each new worker boots below the serving one it replaces; a scale-up's new slot does not.
    priority.booting(11, 'web.0');
    priority.booting(12, 'web.1');
    priority.booting(13, 'web.0');
    priority.booting(15, 'web.2');
    priority.serving(11);
    priority.serving(11);
    priority.gone(12);
    priority.serving(12);
    priority.serving(13);
    expect(calls).to.deep.equal([
      [11, 12],
      [12, 12],
      [11, 2],
    ]);
    // A respawn after a crash (the slot's worker is gone) boots at full priority.
    for (const pid of [1, 11, 13]) priority.gone(pid);
    priority.booting(14, 'web.0');
    expect(calls).to.have.length(3);
    // A spare is lowered whatever serves, and restored once activated.
    priority.booting(20, null);
    priority.serving(20);
    expect(calls.slice(3)).to.deep.equal([
      [20, 12],
      [20, 2],
    ]);
    calls.splice(3);
    const off = createBootPriority({ enabled: false, base: 0, setPriority: () => calls.push([0, 0]) });
    off.serving(1);
    off.booting(2, 'web.0');
    off.serving(2);
    expect(calls).to.have.length(3);
  });

  describe('in a real cluster', function () {
    this.timeout(60_000);
    const cluster = useCluster();

    it('during a reload, a new worker is niced while it boots and back at the primary priority once it listens', async () => {
      const port = await freePort();
      const up = cluster.start({
        groups: {
          web: {
            entry: app('slow-listen.ts'),
            count: 1,
            env: { PORT: String(port), LISTEN_AFTER_MS: '3000' },
          },
        },
      });
      await up.waitForMessage('cluster ready');
      const primary = up.child.pid as number;
      const [first] = workerProcesses(primary);
      if (first === undefined) throw new Error('no worker after cluster ready');
      // The first start had nobody to protect: full priority.
      expect(getPriority(first.pid)).to.equal(getPriority());
      up.signal('SIGHUP');
      const pid = await eventually(
        async () => {
          const fresh = workerProcesses(primary).find((w) => w.pid !== first.pid);
          if (fresh === undefined) throw new Error('no new worker yet');
          return fresh.pid;
        },
        30_000,
        20,
      );
      const permitted = mayRestorePriority(
        readFileSync('/proc/self/status', 'latin1'),
        readFileSync('/proc/self/limits', 'latin1'),
        getPriority(),
      );
      // Bounded poll: the primary lowers the worker right after the fork, which the poll above may beat.
      const booting = permitted ? getPriority() + 10 : getPriority();
      await eventually(async () => expect(getPriority(pid), 'while booting').to.equal(booting), 2500, 20);
      await up.waitFor((r) => r.msg === 'rollout finished', 30_000, 'the reload to finish');
      expect(getPriority(pid), 'once listening').to.equal(getPriority());
    });
  });
});
