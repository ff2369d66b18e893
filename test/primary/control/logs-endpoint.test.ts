import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { parseLogsRequest, serveLogs } from '../../../src/primary/control/logs-endpoint.ts';
import { type LogEntry, LogRing } from '../../../src/primary/logging/log-ring.ts';
import type { WorkerTags } from '../../../src/primary/logging/worker-tags.ts';
import { eventually } from '../../helpers/load.ts';

const web0: WorkerTags = { group: 'web', index: 0, pid: 10, worker: 1 };

describe('control: GET /logs', function () {
  this.timeout(30_000);

  it('parses selections, checking group names, and bounds', () => {
    const url = (query: string) => new URL(`http://control/logs?${query}`);
    const groups = ['web', 'jobs', 'api.v2'];
    const parsed = parseLogsRequest(url('select=web.1,web.3,jobs,api.v2&lines=5&since=100&follow=1'), groups);
    expect(parsed).to.deep.equal({
      selection: new Map<string, unknown>([
        ['web', new Set([1, 3])],
        ['jobs', 'all'],
        ['api.v2', 'all'],
      ]),
      lines: 5,
      since: 100,
      follow: true,
    });
    expect(parseLogsRequest(url(''), groups)).to.deep.include({ selection: null, follow: false });
    expect(parseLogsRequest(url('select=wbe'), groups)).to.deep.include({ status: 404 });
    expect(parseLogsRequest(url('select=web.x'), groups)).to.deep.include({ status: 404 });
    expect(parseLogsRequest(url('lines=-1'), groups)).to.deep.include({ status: 400 });
    expect(parseLogsRequest(url('since=soon'), groups)).to.deep.include({ status: 400 });
  });

  it('drops and counts the lines a follower cannot take, never buffering without bound, then tells it', async () => {
    const ring = new LogRing();
    let served: ServerResponse | undefined;
    const server = createServer((_req, response) => {
      served = response;
      serveLogs(ring, { selection: null, lines: 0, since: undefined, follow: true }, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const req = request({ host: '127.0.0.1', port, path: '/logs' });
      req.end();
      const [response] = (await once(req, 'response')) as [IncomingMessage];
      response.pause();
      await eventually(async () => expect(served).to.not.equal(undefined));
      // A reader that does not read: far more than any socket buffer holds is written to it.
      const line = 'x'.repeat(1000);
      let written = 0;
      for (let batch = 0; batch < 400; batch++) {
        ring.appendLines(
          web0,
          'stdout',
          Array.from({ length: 50 }, () => line),
        );
        written += 50;
        // Let the socket flush what it can, as the event loop would between real batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // ~20 MB offered; what the primary holds for this reader stays at one batch past the high-water mark.
      expect(served?.writableLength ?? 0).to.be.below(2 * 1024 * 1024);

      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.resume();
      const notice = await eventually(async () => {
        const found = text
          .split('\n')
          .filter((l) => l.includes('"record"'))
          .map((l) => JSON.parse(JSON.parse(l).record as string) as { dropped: number; msg: string });
        expect(found).to.have.length(1);
        return found[0];
      });
      const delivered = text.split('\n').filter((l) => l.includes('"line"')).length;
      expect(notice?.dropped).to.be.greaterThan(0);
      expect(delivered + (notice?.dropped ?? 0)).to.equal(written);
      expect(notice?.msg).to.match(/lines dropped/);
      req.destroy();
    } finally {
      served?.destroy();
      server.close();
    }
  });

  it('ends followers when the ring ends them', async () => {
    const ring = new LogRing();
    ring.appendLines(web0, 'stdout', ['kept']);
    const server = createServer((_req, response) =>
      serveLogs(ring, { selection: null, lines: 10, since: undefined, follow: true }, response),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const req = request({ host: '127.0.0.1', port, path: '/logs' });
      req.end();
      const [response] = (await once(req, 'response')) as [IncomingMessage];
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      await eventually(async () => expect(text).to.include('"kept"'));
      ring.appendLines(web0, 'stdout', ['live']);
      await eventually(async () => expect(text).to.include('"live"'));
      ring.endFollowers();
      await once(response, 'end');
      const entries = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as LogEntry);
      expect(entries.map((e) => ('line' in e ? e.line : ''))).to.deep.equal(['kept', 'live']);
    } finally {
      server.close();
    }
  });
});
