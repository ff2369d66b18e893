import { expect } from 'chai';
import { createJsonFormat } from '../../../src/primary/logging/json-format.ts';
import type { WorkerTags } from '../../../src/primary/logging/worker-tags.ts';

const web0: WorkerTags = { group: 'web', index: 0, pid: 4250, worker: 7 };

/** A clock that returns 1000, 2000, ... so each batch's time is known. */
function steppingClock(): () => number {
  let t = 0;
  return () => {
    t += 1000;
    return t;
  };
}

function records(text: string): Record<string, unknown>[] {
  expect(text.endsWith('\n'), 'output ends with a newline').to.equal(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('JSON format of worker lines', () => {
  it('writes a plain line as one pino-shaped record tagged with the worker', () => {
    const text = createJsonFormat(steppingClock()).forStream(web0, 'stdout')(['listening on :3000']);
    expect(text).to.equal(
      '{"level":30,"time":1000,"group":"web","index":0,"pid":4250,"worker":7,"stream":"stdout",' +
        '"msg":"listening on :3000"}\n',
    );
  });

  it('gives stderr lines level 40 (warn)', () => {
    const [record] = records(createJsonFormat().forStream(web0, 'stderr')(['DeprecationWarning: x']));
    expect(record).to.include({ level: 40, stream: 'stderr', msg: 'DeprecationWarning: x' });
  });

  it('writes one record per line, reading the clock once per batch', () => {
    const format = createJsonFormat(steppingClock()).forStream(web0, 'stdout');
    expect(records(format(['a', 'b'])).map((r) => [r.msg, r.time])).to.deep.equal([
      ['a', 1000],
      ['b', 1000],
    ]);
    expect(records(format(['c']))[0]?.time).to.equal(2000);
  });

  it('escapes quotes, backslashes, control characters and group names so each record stays one line', () => {
    const tags: WorkerTags = { group: 'we"b\\', index: 1, pid: 1, worker: 2 };
    const nasty = 'say "hi"\\ \u0000\u001b[31m\t\rend';
    const text = createJsonFormat().forStream(tags, 'stdout')([nasty]);
    expect(text.split('\n')).to.have.length(2);
    expect(records(text)[0]).to.include({ group: 'we"b\\', msg: nasty });
  });

  it('merges a JSON line into the record instead of double-encoding it, keeping its level, time and msg', () => {
    const line = '{"level":50,"time":1764324000123,"pid":4250,"hostname":"box","reqId":"r1","msg":"db down"}';
    const [record] = records(createJsonFormat(steppingClock()).forStream(web0, 'stdout')([line]));
    expect(record).to.deep.equal({
      level: 50,
      time: 1764324000123,
      group: 'web',
      index: 0,
      pid: 4250,
      worker: 7,
      stream: 'stdout',
      hostname: 'box',
      reqId: 'r1',
      msg: 'db down',
    });
  });

  it("fills in the stream's level and the time when a JSON line has none", () => {
    const [record] = records(
      createJsonFormat(steppingClock()).forStream(web0, 'stderr')(['{"event":"tick"}']),
    );
    expect(record).to.deep.include({ level: 40, time: 1000, event: 'tick' });
    expect(record).not.to.have.property('msg');
  });

  it('keeps the tags when a JSON line has fields of the same names, moving its values under "shadowed"', () => {
    const line = '{"msg":"sent","worker":"mailer","index":12,"pid":4250,"shadowed":true}';
    const [record] = records(createJsonFormat().forStream(web0, 'stdout')([line]));
    expect(record).to.deep.include({ worker: 7, index: 0, pid: 4250, msg: 'sent' });
    expect(record?.shadowed).to.deep.equal({ worker: 'mailer', index: 12, shadowed: true });
  });

  it('keeps a field named __proto__ as a plain field', () => {
    const [record] = records(
      createJsonFormat().forStream(web0, 'stdout')(['{"__proto__":{"polluted":1},"msg":"x"}']),
    );
    expect(Object.hasOwn(record as object, '__proto__')).to.equal(true);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('logs text that only looks like JSON as a plain line', () => {
    const lines = ['{not json}', '{"unterminated": 1', '[1,2]', ' {"leading":"space"}', '{}x'];
    const out = records(createJsonFormat().forStream(web0, 'stdout')(lines));
    expect(out.map((r) => r.msg)).to.deep.equal(lines);
  });
});
