import { expect } from 'chai';
import { ExitLine } from '../../../src/primary/logging/exit-line.ts';

/** What Node 24 writes on stderr when a server's listen fails and nothing handles its 'error'. */
const UNHANDLED_LISTEN_ERROR = `node:events:505
    throw er; // Unhandled 'error' event
    ^

Error: listen EADDRINUSE: address already in use 0.0.0.0:4150
    at Server.setupListenHandle [as _listen2] (node:net:2328:16)
    at listenInCluster (node:net:2437:12)
    at Server.listen (node:net:2562:7)
Emitted 'error' event on Server instance at:
    at emitErrorNT (node:net:2416:8)
    at process.processTicksAndRejections (node:internal/process/task_queues:90:21) {
  code: 'EADDRINUSE',
  errno: -98,
  syscall: 'listen',
  address: '0.0.0.0',
  port: 4150
}

Node.js v24.21.0`;

describe('the line that says why a worker died', () => {
  it("picks the error message out of Node's crash report", () => {
    const tail = new ExitLine();
    tail.push(UNHANDLED_LISTEN_ERROR.split('\n'));
    expect(tail.line).to.equal('Error: listen EADDRINUSE: address already in use 0.0.0.0:4150');
  });

  it('keeps the last error message when there are several, whatever follows it', () => {
    const tail = new ExitLine();
    tail.push(['TypeError: x is not a function', '    at main (/app/server.js:3:1)']);
    tail.push(['connecting to the database', 'DatabaseError [ERR_DB]: connection refused', 'bye']);
    expect(tail.line).to.equal('DatabaseError [ERR_DB]: connection refused');
  });

  it('falls back to the last line that is not part of a crash report, and to null for none', () => {
    const tail = new ExitLine();
    expect(tail.line).to.equal(null);
    tail.push(['  ', '(node:42) ExperimentalWarning: something', 'config missing: DATABASE_URL', '']);
    expect(tail.line).to.equal('config missing: DATABASE_URL');
  });

  it('cuts a very long line', () => {
    const tail = new ExitLine();
    tail.push([`Error: ${'x'.repeat(1000)}`]);
    expect(tail.line).to.have.length(300);
    expect(tail.line?.endsWith('…')).to.equal(true);
  });
});
