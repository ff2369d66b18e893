import { expect } from 'chai';
import { createLogger } from '../../../src/primary/logging/logger.ts';
import { openSink } from '../../../src/primary/logging/sink.ts';
import type { WorkerTags } from '../../../src/primary/logging/worker-tags.ts';
import { MemoryStream } from './memory-stream.ts';

const web0: WorkerTags = { group: 'web', index: 0, pid: 4250, worker: 7 };
const ESC = '\u001b';

describe('primary logger', () => {
  describe('JSON mode', () => {
    it('is chosen when the output is not a terminal', () => {
      const logger = createLogger({ stream: new MemoryStream() });
      expect(logger.pretty).to.equal(false);
    });

    it("writes the primary's records as JSON lines with level, time and msg, without pid or hostname", () => {
      const out = new MemoryStream();
      const before = Date.now();
      createLogger({ stream: out }).log.info('cluster ready');
      const [line] = out.lines();
      const record = JSON.parse(line as string) as Record<string, unknown>;
      expect(Object.keys(record)).to.deep.equal(['level', 'time', 'msg']);
      expect(record.level).to.equal(30);
      expect(record.msg).to.equal('cluster ready');
      expect(record.time).to.be.within(before, Date.now());
    });

    it("keeps a child logger's fields in the record", () => {
      const out = new MemoryStream();
      createLogger({ stream: out }).log.child({ group: 'web' }).warn({ code: 1 }, 'worker exited');
      expect(JSON.parse(out.lines()[0] as string)).to.deep.include({ level: 40, group: 'web', code: 1 });
    });

    it("filters the primary's records by level but never the workers' lines", () => {
      const out = new MemoryStream();
      const logger = createLogger({ stream: out, level: 'warn' });
      logger.log.info('hidden');
      logger.workerWriter(web0, 'stdout')(['app output']);
      logger.log.warn('shown');
      expect(out.lines().map((line) => (JSON.parse(line) as { msg: string }).msg)).to.deep.equal([
        'app output',
        'shown',
      ]);
    });

    it('writes records from the primary and from workers in the order they were logged', () => {
      const out = new MemoryStream();
      const logger = createLogger({ stream: out });
      const stdout = logger.workerWriter(web0, 'stdout');
      const stderr = logger.workerWriter(web0, 'stderr');
      logger.log.info('p1');
      stdout(['w1', 'w2']);
      stderr(['e1']);
      logger.log.info('p2');
      stdout(['w3']);
      const msgs = out.lines().map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(msgs).to.deep.equal(['p1', 'w1', 'w2', 'e1', 'p2', 'w3']);
    });

    it('writes nothing for an empty batch', () => {
      const out = new MemoryStream();
      createLogger({ stream: out }).workerWriter(web0, 'stdout')([]);
      expect(out.text).to.equal('');
    });
  });

  describe('pretty mode', () => {
    it('is chosen when the output is a terminal', () => {
      expect(createLogger({ stream: new MemoryStream({ isTTY: true }), env: {} }).pretty).to.equal(true);
    });

    it("prints the primary's records with a short time and no pid or hostname", () => {
      const out = new MemoryStream();
      createLogger({ stream: out, pretty: true, colors: false }).log.info('cluster ready');
      expect(out.text).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: cluster ready\n$/);
    });

    it("prints a record's extra fields on the same line", () => {
      const out = new MemoryStream();
      createLogger({ stream: out, pretty: true, colors: false }).log.warn(
        { group: 'web', code: 1 },
        'exited',
      );
      expect(out.text).to.match(/^\[[\d:.]+\] WARN: exited {"group":"web","code":1}\n$/);
    });

    it('keeps a pid field the primary logs on purpose (its first line names its own pid)', () => {
      const out = new MemoryStream();
      createLogger({ stream: out, pretty: true, colors: false }).log.info({ pid: 4242 }, 'starting cluster');
      expect(out.text).to.match(/^\[[\d:.]+\] INFO \(4242\): starting cluster\n$/);
    });

    it('prints worker lines behind their label', () => {
      const out = new MemoryStream();
      createLogger({ stream: out, pretty: true, colors: false }).workerWriter(web0, 'stdout')(['hello']);
      expect(out.text).to.equal('web.0 | hello\n');
    });

    it('colors a terminal, and not when NO_COLOR is set', () => {
      const colored = new MemoryStream({ isTTY: true });
      createLogger({ stream: colored, env: {} }).log.info('x');
      expect(colored.text).to.include(ESC);
      const plain = new MemoryStream({ isTTY: true });
      const logger = createLogger({ stream: plain, env: { NO_COLOR: '1' } });
      logger.log.info('x');
      logger.workerWriter(web0, 'stdout')(['{"level":50,"msg":"bad"}']);
      expect(plain.text).not.to.include(ESC);
    });
  });

  describe('sink', () => {
    it('stops writing after its stream fails, says so once, and never throws', async () => {
      const failing = new MemoryStream();
      failing._write = (_chunk, _encoding, callback) =>
        callback(Object.assign(new Error('EPIPE'), { code: 'EPIPE' }));
      const attempted: unknown[] = [];
      const write = failing.write.bind(failing);
      failing.write = ((chunk: string) => {
        attempted.push(chunk);
        return write(chunk);
      }) as typeof failing.write;
      const reports: string[] = [];
      const sink = openSink(failing, { onBroken: (error) => reports.push(error.code ?? '') });
      sink.write('first\n');
      await new Promise((resolve) => setImmediate(resolve));
      sink.write('second\n');
      sink.flushSync();
      expect(attempted).to.deep.equal(['first\n']);
      expect(reports).to.deep.equal(['EPIPE']);
    });
  });
});
