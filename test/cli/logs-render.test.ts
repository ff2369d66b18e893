import { expect } from 'chai';
import { createLogRenderer, parseSince } from '../../src/cli/logs/render.ts';
import type { LogEntry } from '../../src/primary/logging/log-ring.ts';

const tags = { group: 'web', index: 0, pid: 4250, worker: 7 };

describe('logs: rendering and --since', () => {
  it("prints worker lines and the primary's records as up does, JSON or pretty", () => {
    const entries: LogEntry[] = [
      { seq: 1, time: 1000, record: '{"level":30,"time":1000,"msg":"cluster ready"}' },
      { seq: 2, time: 2000, tags, stream: 'stdout', line: 'hello' },
      { seq: 3, time: 3000, tags, stream: 'stderr', line: '{"level":50,"msg":"boom","worker":"x"}' },
    ];
    const json = createLogRenderer(false, false);
    expect(entries.map(json)).to.deep.equal([
      '{"level":30,"time":1000,"msg":"cluster ready"}\n',
      '{"level":30,"time":2000,"group":"web","index":0,"pid":4250,"worker":7,"stream":"stdout","msg":"hello"}\n',
      '{"level":50,"time":3000,"group":"web","index":0,"pid":4250,"worker":7,"stream":"stderr","msg":"boom","shadowed":{"worker":"x"}}\n',
    ]);
    const pretty = createLogRenderer(true, false);
    const [primary, hello, boom] = entries.map(pretty);
    expect(primary).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: cluster ready\n$/);
    expect(hello).to.equal('web.0 | hello\n');
    expect(boom).to.equal('web.0 | ERROR boom {"worker":"x"}\n');
    const aligned = createLogRenderer(true, false, [
      { group: 'web', index: 0 },
      { group: 'jobs', index: 0 },
    ]);
    expect(aligned(entries[1] as LogEntry)).to.equal('web.0  | hello\n');
  });

  it('reads durations and dates', () => {
    expect(parseSince('90s', 100_000)).to.equal(10_000);
    expect(parseSince('2h', 10_000_000)).to.equal(10_000_000 - 7_200_000);
    expect(parseSince('2026-11-30T10:00:00Z', 0)).to.equal(Date.parse('2026-11-30T10:00:00Z'));
    expect(parseSince('yesterday', 0)).to.equal(undefined);
    expect(parseSince('10', 0)).to.equal(undefined);
  });
});
