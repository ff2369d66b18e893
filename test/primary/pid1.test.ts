import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { app, ClusterDir } from '../helpers/cluster-dir.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually, getJson } from '../helpers/load.ts';
import { killTagged, processesTagged, TEST_TAG_VAR, waitUntilGone } from '../helpers/tagged-processes.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** The pids of a process's children (Linux). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Whether this machine lets us start a process in a new PID namespace, where it is PID 1. */
const canUnshare = spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;

describe('orchestrator up as PID 1 (as in a container without an init)', function () {
  this.timeout(60_000);
  const tag = randomUUID();
  const dir = new ClusterDir();
  after(async () => {
    killTagged(tag);
    expect(await waitUntilGone(tag, 5000)).to.deep.equal([]);
    dir.remove();
  });

  it('drains on SIGTERM and exits 0, although PID 1 gets no default signal handling from the kernel', async () => {
    if (!canUnshare) {
      console.warn('      (unshare --pid is not permitted here: PID 1 behaviour was not checked)');
      return;
    }
    const port = await freePort();
    dir.writeConfig({
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port) } } },
    });
    // unshare --fork runs the primary as PID 1 of a new PID namespace and exits with its exit status.
    const unshare = spawn(
      'unshare',
      ['--pid', '--fork', '--kill-child', process.execPath, CLI, 'up', '-c', dir.configFile],
      {
        cwd: dir.path,
        env: { ...process.env, [TEST_TAG_VAR]: tag, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    unshare.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => unshare.once('close', (code) => resolve(code)));
    const served = await eventually(() => getJson<{ pid: number }>(`http://127.0.0.1:${port}/`), 20_000, 200);
    expect(served.pid).to.be.a('number');

    const primary = children(unshare.pid ?? -1)[0];
    expect(primary, 'the primary (PID 1 inside)').to.be.a('number');
    const nsPid = readFileSync(`/proc/${primary}/status`, 'utf8')
      .match(/^NSpid:\s+(.*)$/m)?.[1]
      ?.split(/\s+/);
    expect(nsPid?.at(-1), 'its pid inside the namespace').to.equal('1');

    process.kill(primary as number, 'SIGTERM');
    expect(await exited).to.equal(0);
    expect(output).to.include('running as PID 1: orphaned processes will not be reaped');
    expect(processesTagged(tag)).to.deep.equal([]);
  });
});
