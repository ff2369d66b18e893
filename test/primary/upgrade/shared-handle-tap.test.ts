import net from 'node:net';
import { expect } from 'chai';
import { targetOf } from '../../../src/primary/upgrade/listen-tap.ts';
import { installSharedHandleTap, sharedHandleKey } from '../../../src/primary/upgrade/shared-handle-tap.ts';
import { freePort } from '../../helpers/free-port.ts';

type CreateServerHandle = (address: string | null, port: number, addressType: number) => object | number;
interface Listening {
  listen(backlog: number): number;
  close(): void;
}
const createServerHandle = (...args: Parameters<CreateServerHandle>) =>
  (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle(...args);

describe("shared-handle tap: the sockets an 'os' helper primary creates for its workers", () => {
  it("keys them as the primary's listen tap does, so a socket can change scheduling across an upgrade", () => {
    const roundRobin = 'Error\n    at RoundRobinHandle (node:internal/cluster/round_robin_handle:32:17)';
    expect(sharedHandleKey('127.0.0.1', 3000, undefined)).to.equal('127.0.0.1:3000');
    expect(sharedHandleKey('127.0.0.1', 3000, undefined)).to.equal(
      targetOf([{ port: 3000, host: '127.0.0.1' }], roundRobin)?.key,
    );
    // An app's listen(3000) with no host: node:cluster passes a null address to both.
    expect(sharedHandleKey(null, 3000, undefined)).to.equal(
      targetOf([{ port: 3000, host: null }], roundRobin)?.key,
    );
  });

  it('leaves port 0, a Unix socket and a descriptor the worker named alone', () => {
    expect(sharedHandleKey('127.0.0.1', 0, undefined)).to.equal(null);
    expect(sharedHandleKey('/run/app.sock', -1, undefined)).to.equal(null);
    expect(sharedHandleKey(null, 3000, 7)).to.equal(null);
  });

  it('records what node:cluster creates, hands an adopted socket to the first listen on its address, once', async () => {
    const tap = installSharedHandleTap();
    const port = await freePort();
    const created = createServerHandle('127.0.0.1', port, 4) as Listening;
    // As a worker does on its copy.
    expect(created.listen(511)).to.equal(0);
    expect(tap.listeners()).to.deep.include({ key: `127.0.0.1:${port}`, handle: created });

    // Listening already: a second socket fails with EADDRINUSE (libuv reports a bind error at listen).
    const refused = (): void => {
      const other = createServerHandle('127.0.0.1', port, 4) as Listening;
      expect(other).to.not.equal(created);
      expect(other.listen(511)).to.be.below(0);
      other.close();
    };
    refused();
    // Unless the address was handed over: then the first create gets the inherited socket, and only it.
    tap.adopt({ key: `127.0.0.1:${port}`, handle: created });
    expect(createServerHandle('127.0.0.1', port, 4)).to.equal(created);
    refused();

    created.close();
    expect(tap.listeners().map((l) => l.key)).to.not.include(`127.0.0.1:${port}`);
  });

  it('closes the adopted sockets nothing used: the port is free again', async () => {
    const tap = installSharedHandleTap();
    const port = await freePort();
    const created = createServerHandle('127.0.0.1', port, 4) as Listening;
    expect(created.listen(511)).to.equal(0);
    tap.adopt({ key: `127.0.0.1:${port}`, handle: created });
    tap.releaseInherited();
    // The descriptor is closed at once: the address can be listened on again, and nothing holds it.
    const again = createServerHandle('127.0.0.1', port, 4) as Listening;
    expect(again).to.not.equal(created);
    expect(again.listen(511)).to.equal(0);
    again.close();
  });
});
