import { expect } from 'chai';
import fc from 'fast-check';
import { type LogEntry, LogRing, selects } from '../../../src/primary/logging/log-ring.ts';
import type { WorkerTags } from '../../../src/primary/logging/worker-tags.ts';

const web0: WorkerTags = { group: 'web', index: 0, pid: 10, worker: 1 };
const web1: WorkerTags = { group: 'web', index: 1, pid: 11, worker: 2 };
const jobs0: WorkerTags = { group: 'jobs', index: 0, pid: 12, worker: 3 };

const text = (entries: readonly LogEntry[]): string[] =>
  entries.map((entry) =>
    'record' in entry ? (JSON.parse(entry.record) as { msg: string }).msg : entry.line,
  );

describe('log ring', () => {
  it('keeps every source in write order and answers the last N of a selection', () => {
    const ring = new LogRing();
    ring.appendRecord('{"level":30,"time":1,"msg":"starting cluster"}\n');
    ring.appendLines(web0, 'stdout', ['a', 'b']);
    ring.appendLines(jobs0, 'stderr', ['c']);
    ring.appendLines(web1, 'stdout', ['d']);
    ring.appendRecord('{"level":30,"time":2,"group":"web","msg":"web: 2 ready"}');
    expect(text(ring.query({ selection: null }))).to.deep.equal([
      'starting cluster',
      'a',
      'b',
      'c',
      'd',
      'web: 2 ready',
    ]);
    expect(text(ring.query({ selection: null, limit: 2 }))).to.deep.equal(['d', 'web: 2 ready']);
    const web = new Map([['web', 'all' as const]]);
    expect(text(ring.query({ selection: web }))).to.deep.equal(['a', 'b', 'd', 'web: 2 ready']);
    const slot1 = new Map([['web', new Set([1])]]);
    expect(text(ring.query({ selection: slot1 }))).to.deep.equal(['d', 'web: 2 ready']);
    expect(text(ring.query({ selection: new Map([['jobs', 'all' as const]]) }))).to.deep.equal(['c']);
  });

  it('filters by time', () => {
    const ring = new LogRing();
    ring.appendLines(web0, 'stdout', ['old']);
    const later = Date.now() + 60_000;
    expect(ring.query({ selection: null, since: later })).to.deep.equal([]);
    expect(text(ring.query({ selection: null, since: 0 }))).to.deep.equal(['old']);
  });

  it('is bounded per group in lines and in characters, and a chatty group never evicts another', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(web0, jobs0), fc.string({ maxLength: 200 })), { maxLength: 400 }),
        (writes) => {
          const limits = { lines: 20, bytes: 2000 };
          const ring = new LogRing(limits);
          for (const [tags, line] of writes) ring.appendLines(tags, 'stdout', [line]);
          for (const [group, usage] of ring.usage()) {
            expect(usage.lines, group).to.be.at.most(limits.lines);
            expect(usage.bytes, group).to.be.at.most(limits.bytes);
          }
          // What is kept is the newest suffix of each group's lines.
          for (const tags of [web0, jobs0]) {
            const written = writes.filter(([t]) => t === tags).map(([, line]) => line);
            const kept = text(ring.query({ selection: new Map([[tags.group, 'all' as const]]) }));
            expect(written.slice(written.length - kept.length)).to.deep.equal(kept);
            if (written.length > 0) expect(kept.length).to.be.greaterThan(0);
          }
        },
      ),
    );
  });

  it('cuts a line too long for its group instead of letting it evict everything', () => {
    const ring = new LogRing({ lines: 10, bytes: 4000 });
    ring.appendLines(web0, 'stdout', ['x', 'y'.repeat(100_000)]);
    const kept = ring.query({ selection: null });
    expect(kept).to.have.length(2);
    expect(text(kept)[1]).to.match(/^y{1000}… \[cut\]$/);
  });

  it('tells followers of new lines that match their selection, until they stop or the ring ends them', () => {
    const ring = new LogRing();
    const got: string[] = [];
    let ended = false;
    const stop = ring.follow(new Map([['web', new Set([1])]]), {
      deliver: (entries) => got.push(...text(entries)),
      end: () => {
        ended = true;
      },
    });
    ring.appendLines(web0, 'stdout', ['not mine']);
    ring.appendLines(web1, 'stdout', ['mine', 'mine too']);
    stop();
    ring.appendLines(web1, 'stdout', ['after stop']);
    expect(got).to.deep.equal(['mine', 'mine too']);
    ring.follow(null, { deliver: () => {}, end: () => (ended = true) });
    ring.endFollowers();
    expect(ended).to.equal(true);
  });

  it("selects the primary's records about a group, and no other, for that group's readers", () => {
    const record = (fields: object): LogEntry => ({ seq: 1, time: 0, record: JSON.stringify(fields) });
    const web = new Map([['web', new Set([1])]]);
    expect(selects(web, record({ msg: 'starting cluster' }))).to.equal(false);
    expect(selects(web, record({ group: 'web', msg: 'web: 2 ready' }))).to.equal(true);
    expect(selects(web, record({ group: 'web', index: 0, msg: 'worker exited' }))).to.equal(false);
    expect(selects(web, record({ group: 'web', index: 1, msg: 'worker exited' }))).to.equal(true);
    expect(selects(null, record({ msg: 'anything' }))).to.equal(true);
  });
});
