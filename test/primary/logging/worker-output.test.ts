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
