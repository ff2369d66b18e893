import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger, type PrimaryLogger } from '../../../src/primary/logging/logger.ts';
import { pipeWorkerOutput } from '../../../src/primary/logging/worker-output.ts';
import type { WorkerTags } from '../../../src/primary/logging/worker-tags.ts';
import { ChildProcesses, exitOf } from './child-processes.ts';
import { MemoryStream } from './memory-stream.ts';

interface Record {
  readonly level: unknown;
  readonly msg?: string;
  readonly stream: string;
  readonly group: string;
  readonly index: number;
  readonly pid: number;
  readonly worker: number;
  readonly [key: string]: unknown;
}

function tagsOf(child: ChildProcess, group = 'web', index = 0): WorkerTags {
  return { group, index, pid: child.pid as number, worker: 7 };
}

/** Pipes both streams of `child` into `logger`; resolves when both have closed. */
function pipeBoth(logger: PrimaryLogger, child: ChildProcess, tags: WorkerTags): Promise<unknown> {
  return Promise.all([
    pipeWorkerOutput(
      logger,
      { stream: child.stdout as NonNullable<typeof child.stdout>, fd: 'stdout' },
      tags,
    ),
    pipeWorkerOutput(
      logger,
      { stream: child.stderr as NonNullable<typeof child.stderr>, fd: 'stderr' },
      tags,
    ),
  ]);
}

function parse(out: MemoryStream): Record[] {
  return out.lines().map((line) => JSON.parse(line) as Record);
}

function msgsOf(records: readonly Record[], stream: 'stdout' | 'stderr'): (string | undefined)[] {
  return records.filter((r) => r.stream === stream).map((r) => r.msg);
}

describe('worker output', () => {
  const children = new ChildProcesses();
  afterEach(() => children.killAll());

  it("logs every line of a fast, crashing worker exactly once and in order, tags and all, by the time it's closed", async () => {
    const count = 20_000;
    const child = children.spawnFixture('chatty-worker.ts', [String(count)]);
    const out = new MemoryStream();
    await pipeBoth(createLogger({ stream: out }), child, tagsOf(child));

    expect(await exitOf(child)).to.equal(1);
    const records = parse(out);
    const expectedStdout = [
      ...Array.from({ length: count }, (_, i) => `line ${i}`),
      'héllo wörld € 𝄞 end',
      'next',
      'ä'.repeat(200_000),
      'last words',
    ];
    const stdout = msgsOf(records, 'stdout');
    expect(stdout.length).to.equal(expectedStdout.length);
    expect(
      stdout.findIndex((msg, i) => msg !== expectedStdout[i]),
      'first differing line',
    ).to.equal(-1);
    const expectedStderr = [
      ...Array.from({ length: count / 1000 }, (_, i) => `progress ${i * 1000}`),
      'dying',
    ];
    expect(msgsOf(records, 'stderr')).to.deep.equal(expectedStderr);
    for (const record of records) {
      expect(record).to.include({ group: 'web', index: 0, pid: child.pid, worker: 7 });
      expect(record.level).to.equal(record.stream === 'stderr' ? 40 : 30);
    }
  });

  it('has the stack trace of a worker that throws at start-up in the log when its streams close', async () => {
    const child = children.spawnFixture('throwing-worker.ts');
    const out = new MemoryStream();
    await pipeBoth(createLogger({ stream: out }), child, tagsOf(child));

    const records = parse(out);
    expect(msgsOf(records, 'stdout')).to.deep.equal(['about to fail']);
    const stderr = msgsOf(records, 'stderr');
    expect(stderr).to.include('Error: boom at start-up');
    expect(stderr.some((line) => /^\s+at .*throwing-worker\.ts/.test(line ?? ''))).to.equal(true);
    expect(await exitOf(child)).to.equal(1);
  });

  it("merges the JSON lines of a worker that logs with pino, keeping the worker's fields", async () => {
    const child = children.spawnFixture('pino-worker.ts');
    const out = new MemoryStream();
    await pipeBoth(createLogger({ stream: out }), child, tagsOf(child, 'api', 2));

    const [info, error, plain, ...rest] = parse(out);
    expect(rest).to.deep.equal([]);
    expect(info).to.include({
      level: 30,
      msg: 'request done',
      reqId: 'r1',
      group: 'api',
      index: 2,
      pid: child.pid,
    });
    expect(info?.time).to.be.a('number');
    expect(info).not.to.have.property('shadowed');
    expect(error).to.include({ level: 50, msg: 'query failed', group: 'api' });
    expect(error?.err).to.include({ type: 'Error', message: 'db down' });
    expect(plain).to.include({ level: 30, msg: 'plain text too', group: 'api' });
  });

  it("shows a pino worker's lines readably in pretty mode", async () => {
    const child = children.spawnFixture('pino-worker.ts');
    const out = new MemoryStream();
    await pipeBoth(
      createLogger({ stream: out, pretty: true, colors: false }),
      child,
      tagsOf(child, 'api', 2),
    );

    const lines = out.lines();
    expect(lines[0]).to.equal('api.2 | INFO  request done {"reqId":"r1"}');
    expect(lines[1]).to.equal('api.2 | ERROR query failed');
    expect(lines[2]).to.equal('api.2 |   Error: db down');
    expect(lines.at(-1)).to.equal('api.2 | plain text too');
  });

  it('flushes the last line of a stream destroyed without an end', async () => {
    const stream = new PassThrough();
    const out = new MemoryStream();
    const done = pipeWorkerOutput(
      createLogger({ stream: out }),
      { stream, fd: 'stdout' },
      tagsOf({ pid: 1 } as ChildProcess),
    );
    stream.write('complete\nunfinished');
    await new Promise((resolve) => setImmediate(resolve));
    stream.destroy();
    await done;
    expect(parse(out).map((r) => r.msg)).to.deep.equal(['complete', 'unfinished']);
  });

  it('logs a read error as a warning from the primary and still resolves when the stream closes', async () => {
    const stream = new PassThrough();
    const out = new MemoryStream();
    const tags = { group: 'web', index: 3, pid: 99, worker: 12 };
    const done = pipeWorkerOutput(createLogger({ stream: out }), { stream, fd: 'stderr' }, tags);
    stream.destroy(new Error('read failed'));
    await done;
    const [warning] = parse(out);
    expect(warning).to.include({ level: 40, group: 'web', index: 3, stream: 'stderr' });
    expect(warning?.msg).to.match(/could not read the worker's stderr/);
    expect(warning?.err).to.include({ message: 'read failed' });
  });

  it('resolves at once for a stream that has already closed', async () => {
    const stream = new PassThrough();
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    const out = new MemoryStream();
    await pipeWorkerOutput(
      createLogger({ stream: out }),
      { stream, fd: 'stdout' },
      { group: 'w', index: 0, pid: 1, worker: 1 },
    );
    expect(out.text).to.equal('');
  });
});

describe('primary exit', () => {
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
    const stdout = child.stdout as NonNullable<typeof child.stdout>;
    const stderr = child.stderr as NonNullable<typeof child.stderr>;
    // Nobody reads stdout until the primary proves its event loop ran while its output was stuck.
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
