import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { isScheduling, SCHEDULING_POLICIES } from '../../../src/config/scheduling.ts';
import { configSchema } from '../../../src/config/schema.ts';

const HOST_PROCESS = fileURLToPath(new URL('../../../src/primary/hosts/host-process.ts', import.meta.url));

describe('scheduling policies: one list, nothing defaulted to round-robin', () => {
  it('the schema accepts exactly the policies the hosts know', () => {
    const parse = (scheduling: string) =>
      configSchema.safeParse({ groups: { web: { entry: './server.js', scheduling } } }).success;
    for (const policy of SCHEDULING_POLICIES) expect(parse(policy), policy).to.equal(true);
    expect(parse('least-connections')).to.equal(false);
    expect(isScheduling('least-connections')).to.equal(false);
  });

  it('the helper host refuses a policy it does not know instead of running round-robin', async () => {
    const child = fork(HOST_PROCESS, ['least-connections', ''], {
      execPath: process.execPath,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    expect(code).to.equal(2);
    expect(stderr).to.contain('unknown scheduling policy "least-connections"');
  });
});
