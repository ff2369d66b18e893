import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { EXIT_BOUND_MS, type RollMode, type WorkerExit } from './fixtures/protocol.ts';
import { type LoadResult, startKeepAliveLoad } from './helpers/load.ts';
import { startTestPrimary, type TestPrimary } from './helpers/test-primary.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Load before, during and after the roll, so the old workers are busy when they drain. */
const WARMUP_MS = 700;
const COOLDOWN_MS = 500;
/** PM2's default kill_timeout is 1600 ms. */
const CLASSIC_KILL_AFTER_MS = 2000;

interface RollUnderLoad {
  readonly load: LoadResult;
  readonly oldPids: readonly number[];
  readonly newPids: readonly number[];
  readonly exits: readonly WorkerExit[];
}

async function rollUnderLoad(
  primary: TestPrimary,
  app: string,
  mode: RollMode,
  killAfterMs: number,
): Promise<RollUnderLoad> {
  const started = await primary.command({ cmd: 'start', app, count: 2, waitFor: 'listening' }, 'started');
  const load = startKeepAliveLoad(`http://127.0.0.1:${started.port}`);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const rolled = await primary.command({ cmd: 'roll', mode, graceMs: 1000, killAfterMs }, 'rolled');
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS));
  return { load: await load.stop(), oldPids: started.pids, newPids: rolled.pids, exits: rolled.exits };
}

describe('worker runtime: rolling replacement under keep-alive load (real cluster)', function () {
  this.timeout(60_000);
  let primary: TestPrimary;

  beforeEach(() => {
    primary = startTestPrimary();
  });

  afterEach(async () => {
    expect(await primary.shutdown(), 'processes that outlived the test').to.deep.equal([]);
  });

  for (const [framework, app] of [
    ['a node:http app', 'http-app.ts'],
    ['an unmodified Express app', 'express-app.ts'],
    ['an unmodified Fastify app', 'fastify-app.ts'],
  ] as const) {
    it(`drains ${framework} with zero failed requests`, async () => {
      const { load, oldPids, newPids, exits } = await rollUnderLoad(
        primary,
        fixture(app),
        'drain',
        EXIT_BOUND_MS,
      );

      expect(load.failures, primary.output()).to.deep.equal({});
      // The load was real and crossed the roll: both generations answered, and the drain sent clients away.
      expect(load.ok).to.be.greaterThan(1000);
      for (const pid of [...oldPids, ...newPids])
        expect(load.byBody[String(pid)] ?? 0, `answers from ${pid}`).to.be.greaterThan(0);
      expect(load.connectionClose).to.be.greaterThan(0);
      expect(exits).to.have.length(2);
      for (const exit of exits) expect(exit).to.include({ code: 0, signal: null, drained: true });
      console.log(
        `      ${load.ok} requests, drains took ${exits.map((exit) => `${exit.stopMs} ms`).join(' and ')}`,
      );
    });
  }

  it("drains a node:http app with zero failed requests under 'os' scheduling too", async () => {
    expect(await primary.shutdown()).to.deep.equal([]);
    primary = startTestPrimary({ scheduling: 'os' });
    const { load, exits } = await rollUnderLoad(primary, fixture('http-app.ts'), 'drain', EXIT_BOUND_MS);

    expect(load.failures, primary.output()).to.deep.equal({});
    expect(load.ok).to.be.greaterThan(1000);
    for (const exit of exits) expect(exit).to.include({ code: 0, signal: null, drained: true });
    console.log(
      `      ${load.ok} requests, drains took ${exits.map((exit) => `${exit.stopMs} ms`).join(' and ')}`,
    );
  });

  it('shows what the classic worker.disconnect() roll does to the same load (measured, reported)', async () => {
    // The recipe has no deadline of its own; under steady keep-alive load a disconnecting worker never
    // closes its busy sockets, so it is killed after a PM2-like kill timeout.
    const { load, exits } = await rollUnderLoad(
      primary,
      fixture('http-app.ts'),
      'disconnect',
      CLASSIC_KILL_AFTER_MS,
    );

    expect(load.ok).to.be.greaterThan(1000);
    expect(exits).to.have.length(2);
    const ends = exits.map((exit) => exit.signal ?? `code ${exit.code}`).join(', ');
    console.log(
      `      classic roll: ${load.failed} failed of ${load.ok + load.failed} %o; old workers ended: ${ends} after ${exits.map((exit) => `${exit.stopMs} ms`).join(' and ')}`,
      load.failures,
    );
  });
});
