import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { ShutdownHook } from '../../src/worker/runtime-state.ts';
import { runShutdownHooks } from '../../src/worker/shutdown-hooks.ts';

describe('runShutdownHooks', () => {
  it('runs the hooks in registration order, each awaited before the next starts', async () => {
    const log: string[] = [];
    const hooks: ShutdownHook[] = [
      async () => {
        log.push('first start');
        await sleep(30);
        log.push('first end');
      },
      () => {
        log.push('second');
      },
    ];
    const outcomes = await runShutdownHooks(hooks, { boundMs: () => 1000 });

    expect(log).to.deep.equal(['first start', 'first end', 'second']);
    expect(outcomes).to.deep.equal([
      { index: 0, result: 'ok' },
      { index: 1, result: 'ok' },
    ]);
  });

  it('reports a hook that throws or rejects and still runs the next one', async () => {
    const ran: number[] = [];
    const outcomes = await runShutdownHooks(
      [
        () => {
          throw new Error('sync boom');
        },
        async () => {
          throw new Error('async boom');
        },
        () => {
          ran.push(3);
        },
      ],
      { boundMs: () => 1000 },
    );

    expect(outcomes.map((outcome) => outcome.result)).to.deep.equal(['threw', 'threw', 'ok']);
    expect(
      outcomes.map((outcome) => (outcome.result === 'threw' ? (outcome.error as Error).message : null)),
    ).to.deep.equal(['sync boom', 'async boom', null]);
    expect(ran).to.deep.equal([3]);
  });

  it('abandons a hook that never settles after its bound and runs the next one', async () => {
    const ran: string[] = [];
    const start = performance.now();
    const outcomes = await runShutdownHooks(
      [() => new Promise<void>(() => {}), () => void ran.push('after')],
      {
        boundMs: () => 100,
      },
    );

    expect(outcomes[0]).to.deep.equal({ index: 0, result: 'timed-out', afterMs: 100 });
    expect(ran).to.deep.equal(['after']);
    expect(performance.now() - start).to.be.at.least(95);
  });

  it('asks for each bound just before that hook starts, with its position', async () => {
    const asked: [number, number][] = [];
    await runShutdownHooks([() => {}, () => {}], {
      boundMs: (index, total) => {
        asked.push([index, total]);
        return 1000;
      },
    });
    expect(asked).to.deep.equal([
      [0, 2],
      [1, 2],
    ]);
  });

  it('runs a hook registered by an earlier hook', async () => {
    const ran: string[] = [];
    const hooks: ShutdownHook[] = [];
    hooks.push(() => {
      hooks.push(() => void ran.push('late'));
    });
    await runShutdownHooks(hooks, { boundMs: () => 1000 });
    expect(ran).to.deep.equal(['late']);
  });

  it('reports each outcome as it happens', async () => {
    const seen: string[] = [];
    await runShutdownHooks([() => {}, () => Promise.reject(new Error('x'))], {
      boundMs: () => 1000,
      onOutcome: (outcome) => seen.push(`${outcome.index}:${outcome.result}`),
    });
    expect(seen).to.deep.equal(['0:ok', '1:threw']);
  });
});
