import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { ChildProcesses, exitOf } from './child-processes.ts';

// The stdout writer is what a primary's log goes through, so it is tested in real primaries (fixtures)
// writing to a real pipe: exiting at once, with a reader that stalls, and with a reader that goes away.
describe('stdout writer', () => {
  const children = new ChildProcesses();
  afterEach(() => children.killAll());

  async function runPrimary(
    count: number,
    mode: 'json' | 'pretty',
  ): Promise<{ lines: string[]; code: unknown }> {
    const child = children.spawnFixture('logging-primary.ts', [String(count), mode]);
    let text = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    const closed = new Promise((resolve) => child.stdout?.once('close', resolve));
    const code = await exitOf(child);
    await closed;
    return { lines: text.split('\n').slice(0, -1), code };
  }

  it('loses no line when the primary calls process.exit right after logging to a pipe (JSON)', async () => {
    const count = 20_000;
    const { lines, code } = await runPrimary(count, 'json');
    expect(code).to.equal(0);
    const msgs = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    const expected = [
      ...Array.from({ length: count }, (_, i) => [`primary ${i}`, `worker ${i}`]).flat(),
      'exiting',
    ];
    expect(msgs.length).to.equal(expected.length);
    expect(
      msgs.findIndex((msg, i) => msg !== expected[i]),
      'first differing line',
    ).to.equal(-1);
  });

  it('loses no line when the primary calls process.exit right after logging to a pipe (pretty)', async () => {
    const count = 5_000;
    const { lines, code } = await runPrimary(count, 'pretty');
    expect(code).to.equal(0);
    expect(lines.length).to.equal(2 * count + 1);
    expect(lines[1]).to.equal('web.0 | worker 0');
    expect(lines.at(-2)).to.equal(`web.0 | worker ${count - 1}`);
    expect(lines.at(-1)).to.match(/INFO: exiting$/);
  });

  it('keeps its event loop free while the reader of its output stalls, and still delivers every line', async () => {
    const count = 50_000; // about 4 MB: far more than a pipe holds
    const child = children.spawnFixture('logging-primary.ts', [String(count), 'json', 'stall']);
    const text = await readAfterStall(child);
    const msgs = text
      .split('\n')
      .slice(0, -1)
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(msgs.length).to.equal(2 * count + 1);
    expect(msgs.at(-2)).to.equal(`worker ${count - 1}`);
    expect(msgs.at(-1)).to.equal('exiting');
  });

  it('drops and counts what a stalled reader leaves beyond the limit, and logs the count before exiting', async () => {
    const count = 50_000; // about 5 MB against a 64 KiB limit
    const child = children.spawnFixture('overflowing-primary.ts', [String(count)]);
    const text = await readAfterStall(child);

    const records = text
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as { level: number; msg: string; dropped?: number });
    const notice = records.pop();
    expect(notice).to.include({ level: 40, msg: 'log output fell behind: lines dropped' });
    const kept = records.map((r) => Number(r.msg.replace('worker ', '')));
    expect(
      kept.every((n, i) => i === 0 || n > (kept[i - 1] as number)),
      'kept lines in order, no repeats',
    ).to.equal(true);
    expect(notice?.dropped).to.be.greaterThan(0);
    expect(kept.length + (notice?.dropped as number)).to.equal(count);
  });

  it('keeps running when the reader of its output goes away, and says so once on stderr', async () => {
    const child = children.spawnFixture('logging-primary.ts', ['50000', 'json']);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // Close our end of its stdout after the first chunk: its next write fails with EPIPE.
    child.stdout?.once('data', () => child.stdout?.destroy());
    expect(await exitOf(child)).to.equal(0);
    expect(stderr).to.equal('orchestrator: log output failed (EPIPE); further lines dropped\n');
  });
});

/**
 * Leaves the fixture primary's stdout unread until it proves (on stderr) that its event loop kept running
 * with its output stuck, then reads everything, tells it to exit, and returns what it wrote.
 */
async function readAfterStall(child: ChildProcess): Promise<string> {
  const { stdout, stderr } = child as { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };
  await new Promise<void>((resolve) => {
    stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('event loop free')) resolve();
    });
  });
  let text = '';
  stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const closed = new Promise((resolve) => stdout.once('close', resolve));
  child.stdin?.end('exit now\n');
  expect(await exitOf(child)).to.equal(0);
  await closed;
  return text;
}
