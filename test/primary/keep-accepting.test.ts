import { createServer } from 'node:net';
import { expect } from 'chai';
import { keepAccepting } from '../../src/primary/keep-accepting.ts';

describe('keepAccepting', () => {
  it('turns failed accepts into one report, and the server keeps serving', async () => {
    const server = createServer((socket) => socket.end('hi'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const reports: string[] = [];
    keepAccepting(server, (error) => reports.push(error.message));
    try {
      // What net.Server does when accept() fails (EMFILE with libuv's reserve descriptor gone too).
      const failure = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' });
      server.emit('error', failure);
      server.emit('error', failure);
      expect(reports).to.deep.equal(['accept EMFILE']);

      const { port } = server.address() as { port: number };
      const { connect } = await import('node:net');
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk;
        });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).to.equal('hi');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
