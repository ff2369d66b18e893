import { expect } from 'chai';
import { groupColor } from '../../../src/primary/logging/colors.ts';
import { createPrettyFormat } from '../../../src/primary/logging/pretty-format.ts';
import type { WorkerTags } from '../../../src/primary/logging/worker-tags.ts';

const web0: WorkerTags = { group: 'web', index: 0, pid: 4250, worker: 7 };
const jobs0: WorkerTags = { group: 'jobs', index: 0, pid: 4251, worker: 8 };
const ESC = '\u001b';

describe('pretty format of worker lines', () => {
  it('prints each line behind its "group.index |" label', () => {
    const format = createPrettyFormat(false).forStream(web0, 'stdout');
    expect(format(['listening on :3000', 'GET / 200'])).to.equal(
      'web.0 | listening on :3000\nweb.0 | GET / 200\n',
    );
  });

  it('prints stderr lines the same way', () => {
    expect(createPrettyFormat(false).forStream(web0, 'stderr')(['oops'])).to.equal('web.0 | oops\n');
  });

  it('pads labels to the longest one seen so far, so the columns line up', () => {
    const pretty = createPrettyFormat(false);
    const web = pretty.forStream(web0, 'stdout');
    const jobs = pretty.forStream({ ...jobs0, group: 'background', index: 10 }, 'stdout');
    expect(web(['a'])).to.equal('web.0         | a\n');
    expect(jobs(['b'])).to.equal('background.10 | b\n');
  });

  it('colors the label with the group color and nothing else of a plain line', () => {
    const text = createPrettyFormat(true).forStream(web0, 'stdout')(['plain text']);
    expect(text).to.equal(`${groupColor('web')('web.0')} | plain text\n`);
  });

  it('writes no escape codes when colors are off', () => {
    const text = createPrettyFormat(false).forStream(
      web0,
      'stdout',
    )(['{"level":50,"msg":"bad","x":1}', 'plain']);
    expect(text).not.to.include(ESC);
  });

  it('shows a JSON line as its level and message, then its other fields, without time, pid and hostname', () => {
    const line =
      '{"level":30,"time":1764324000000,"pid":4250,"hostname":"box","reqId":"r1","msg":"request done"}';
    expect(createPrettyFormat(false).forStream(web0, 'stdout')([line])).to.equal(
      'web.0 | INFO  request done {"reqId":"r1"}\n',
    );
  });

  it('names every pino level and upper-cases string levels of other loggers', () => {
    const format = createPrettyFormat(false).forStream(web0, 'stdout');
    const levels = [10, 20, 30, 40, 50, 60].map((level) => format([`{"level":${level},"msg":"m"}`]));
    expect(levels).to.deep.equal(
      ['TRACE', 'DEBUG', 'INFO ', 'WARN ', 'ERROR', 'FATAL'].map((label) => `web.0 | ${label} m\n`),
    );
    expect(format(['{"level":"warning","msg":"m"}'])).to.equal('web.0 | WARNING m\n');
  });

  it('colors the level label by severity when colors are on', () => {
    const text = createPrettyFormat(true).forStream(web0, 'stdout')(['{"level":50,"msg":"bad"}']);
    expect(text).to.include(`${ESC}[31mERROR${ESC}[39m bad`);
  });

  it("prints an error's stack on its own labelled lines", () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at main (app.js:1:1)' };
    const line = JSON.stringify({ level: 50, err, msg: 'boom' });
    expect(createPrettyFormat(false).forStream(jobs0, 'stdout')([line])).to.equal(
      'jobs.0 | ERROR boom\njobs.0 |   Error: boom\njobs.0 |       at main (app.js:1:1)\n',
    );
  });

  it('prints a JSON line that is not a log record (no level, no msg) as it is', () => {
    expect(createPrettyFormat(false).forStream(web0, 'stdout')(['{"a":1}'])).to.equal('web.0 | {"a":1}\n');
  });
});
