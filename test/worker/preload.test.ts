import { expect } from 'chai';

describe('the preload outside an orchestrator worker', () => {
  it('installs nothing: no signal or message listeners, no heartbeat, no server tracking', async () => {
    const watched = ['SIGTERM', 'SIGINT', 'message'] as const;
    const before = watched.map((event) => process.listenerCount(event));

    await import('../../src/worker/preload.ts');

    expect(watched.map((event) => process.listenerCount(event))).to.deep.equal(before);
    const state = (globalThis as { [key: symbol]: { installed?: boolean } | undefined })[
      Symbol.for('cluster-orchestrator.worker')
    ];
    expect(state?.installed ?? false).to.equal(false);
  });
});
