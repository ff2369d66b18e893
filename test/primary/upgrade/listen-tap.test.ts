import { expect } from 'chai';
import { targetOf } from '../../../src/primary/upgrade/listen-tap.ts';

const FROM_CLUSTER = 'Error\n    at RoundRobinHandle (node:internal/cluster/round_robin_handle:32:17)';
const FROM_PRIMARY = 'Error\n    at listenHttp (file:///app/dist/primary/metrics/http-server.js:40:12)';

describe('listen tap: which listens of a primary are handed over', () => {
  it("keys node:cluster's round-robin listens by host and port", () => {
    expect(targetOf([{ port: 3000, host: '127.0.0.1', ipv6Only: false }], FROM_CLUSTER)).to.deep.equal({
      key: '127.0.0.1:3000',
      roundRobin: true,
    });
    // An app's listen(3000) with no host: node:cluster passes a null address.
    expect(targetOf([{ port: 3000, host: null }], FROM_CLUSTER)).to.deep.equal({
      key: ':3000',
      roundRobin: true,
    });
  });

  it("keys a round-robin Unix socket by its path, but not the primary's own Unix sockets", () => {
    expect(targetOf(['/run/app.sock'], FROM_CLUSTER)).to.deep.equal({
      key: '/run/app.sock',
      roundRobin: true,
    });
    expect(targetOf(['/tmp/control.sock', () => {}], FROM_PRIMARY)).to.equal(null);
  });

  it("hands over the primary's own TCP endpoints (metrics) as listen(port, host, cb)", () => {
    expect(targetOf([9100, '127.0.0.1', () => {}], FROM_PRIMARY)).to.deep.equal({
      key: '127.0.0.1:9100',
      roundRobin: false,
    });
  });

  it('leaves port 0 (any free port) alone: there is no fixed address to keep', () => {
    expect(targetOf([{ port: 0, host: '127.0.0.1' }], FROM_CLUSTER)).to.equal(null);
    expect(targetOf([0, '127.0.0.1'], FROM_PRIMARY)).to.equal(null);
  });
});
