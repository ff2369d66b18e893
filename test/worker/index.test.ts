import { expect } from 'chai';
import { info, onDrain, onShutdown, ready } from '../../src/worker/index.ts';

const SHARED = Symbol.for('cluster-orchestrator.worker');

function sharedHooks(kind: 'hooks' | 'drainHooks' = 'hooks'): unknown[] {
  return (globalThis as { [SHARED]?: Record<string, unknown[]> })[SHARED]?.[kind] ?? [];
}

describe('cluster-orchestrator/worker outside a worker', () => {
  it('has no info when the primary did not set the environment', () => {
    expect(process.env.ORCHESTRATOR_WORKER_ID).to.equal(undefined);
    expect(info).to.equal(null);
  });

  it('makes ready() a no-op, so the same app runs on its own', () => {
    expect(ready()).to.equal(undefined);
  });

  it('registers onShutdown hooks in the process-wide registry another copy of the runtime would read', () => {
    const hook = (): void => {};
    onShutdown(hook);
    try {
      expect(sharedHooks().at(-1)).to.equal(hook);
    } finally {
      sharedHooks().splice(sharedHooks().indexOf(hook), 1);
    }
  });

  it('rejects a hook that is not a function', () => {
    expect(() => onShutdown('close the pool' as never)).to.throw(TypeError, /must be a function/);
  });

  it('registers onDrain hooks in the same process-wide registry', () => {
    const hook = (): void => {};
    onDrain(hook);
    try {
      expect(sharedHooks('drainHooks').at(-1)).to.equal(hook);
    } finally {
      sharedHooks('drainHooks').splice(sharedHooks('drainHooks').indexOf(hook), 1);
    }
    expect(() => onDrain(42 as never)).to.throw(TypeError, /must be a function/);
  });
});
