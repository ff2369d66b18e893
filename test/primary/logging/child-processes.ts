import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * Children started by a test. `spawnFixture` starts a fixture script with this Node; `killAll` (for
 * afterEach) kills any still running, waits for each to exit and checks none outlived the test.
 */
export class ChildProcesses {
  readonly #children: ChildProcess[] = [];

  spawnFixture(name: string, args: readonly string[] = []): ChildProcess {
    const child = spawn(process.execPath, [FIXTURES + name, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#children.push(child);
    return child;
  }

  async killAll(): Promise<void> {
    const children = this.#children.splice(0);
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        }
      }),
    );
    for (const child of children) {
      if (child.pid !== undefined)
        expect(isAlive(child.pid), `child ${child.pid} outlived the test`).to.equal(false);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Resolves with the exit code (or signal) once the child has exited. */
export async function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null) return child.exitCode;
  if (child.signalCode !== null) return child.signalCode;
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return code ?? (signal as NodeJS.Signals);
}
