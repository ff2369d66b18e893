import { expect } from 'chai';
import { handOverRefusal, type ProcessContext } from '../../../src/primary/upgrade/survival.ts';

const shell: ProcessContext = { pid: 4242, ppid: 4000, parentName: 'bash', env: {} };

describe('upgrade: whether a new primary survives the old one', () => {
  it('allows a primary started from a shell, or re-parented to the host init', () => {
    expect(handOverRefusal(shell)).to.equal(null);
    expect(handOverRefusal({ ...shell, ppid: 1, parentName: 'systemd' })).to.equal(null);
  });

  it('refuses as PID 1 of a container: the container stops with it', () => {
    expect(handOverRefusal({ ...shell, pid: 1, ppid: 0 })).to.match(/PID 1/);
  });

  it("refuses as the child of a container's init (tini, docker --init), which exits with it", () => {
    for (const init of ['tini', 'docker-init', 'dumb-init']) {
      expect(handOverRefusal({ ...shell, ppid: 1, parentName: init })).to.include(init);
    }
  });

  it('refuses under systemd without Type=notify, allows it with NOTIFY_SOCKET (MAINPID= is sent)', () => {
    expect(
      handOverRefusal({ ...shell, ppid: 1, parentName: 'systemd', env: { INVOCATION_ID: 'x' } }),
    ).to.match(/Type=notify/);
    expect(
      handOverRefusal({
        ...shell,
        ppid: 1,
        parentName: 'systemd',
        env: { INVOCATION_ID: 'x', NOTIFY_SOCKET: '/run/systemd/notify' },
      }),
    ).to.equal(null);
  });
});
