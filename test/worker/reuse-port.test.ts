import { expect } from 'chai';
import { reusePortListen } from '../../src/worker/reuse-port.ts';

describe('worker runtime: listen() rewritten for SO_REUSEPORT', () => {
  const callback = (): void => {};
  const reuse = { exclusive: true, reusePort: true };

  it('takes a port with host, backlog and callback in any of the positional forms', () => {
    expect(reusePortListen([3000])).to.deep.equal({ options: { port: 3000, ...reuse }, callback: undefined });
    expect(reusePortListen(['3000', '127.0.0.1', callback])).to.deep.equal({
      options: { port: 3000, host: '127.0.0.1', ...reuse },
      callback,
    });
    expect(reusePortListen([3000, '::', 128, callback])).to.deep.equal({
      options: { port: 3000, host: '::', backlog: 128, ...reuse },
      callback,
    });
    expect(reusePortListen([3000, callback])?.callback).to.equal(callback);
  });

  it('keeps every key of an options object', () => {
    expect(reusePortListen([{ port: 8080, host: '0.0.0.0', ipv6Only: false }, callback])).to.deep.equal({
      options: { port: 8080, host: '0.0.0.0', ipv6Only: false, ...reuse },
      callback,
    });
  });

  it('leaves alone what has no fixed TCP port: port 0, no port, pipes, handles and file descriptors', () => {
    for (const args of [
      [0],
      ['0', '127.0.0.1'],
      [],
      [callback],
      [{ port: 0 }],
      [{ host: '127.0.0.1' }],
      ['/tmp/app.sock'],
      [{ path: '/tmp/app.sock' }],
      [{ fd: 3 }],
      [{ handle: {} }],
      [{ _handle: {} }],
    ]) {
      expect(reusePortListen(args), JSON.stringify(args)).to.equal(null);
    }
  });
});
