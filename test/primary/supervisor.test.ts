import { expect } from 'chai';
import type { ClusterConfig } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/validate.ts';
import type { Outcome, Signal, WorkerId } from '../../src/policies/types.ts';
import type { HostPool } from '../../src/primary/host-pool.ts';
import type { ClusterHost, ForkRequest, HostListener, Scheduling } from '../../src/primary/hosts/types.ts';
import { createLogger } from '../../src/primary/logging/logger.ts';
import { createSupervisor, type Supervisor } from '../../src/primary/supervisor.ts';
import type { Timers } from '../../src/primary/timers.ts';
import type { PrimaryMessage } from '../../src/worker/protocol.ts';
import { app } from '../helpers/cluster-dir.ts';
import { MemoryStream } from './logging/memory-stream.ts';

/**
 * The real supervisor (its dispatch queue, action execution, host event translation and exit handling) against
 * a fake host and a virtual clock: no process, no wall-clock wait. What the fake host is asked to do is recorded,
 * and what it reports back is played by the test.
 */

class FakeHost implements ClusterHost {
  readonly forks: ForkRequest[] = [];
  readonly sent: Array<[WorkerId, PrimaryMessage]> = [];
  readonly kills: Array<[WorkerId, Signal]> = [];
  closed = false;
  readonly scheduling: Scheduling;
  readonly listener: HostListener;
  constructor(scheduling: Scheduling, listener: HostListener) {
    this.scheduling = scheduling;
    this.listener = listener;
  }
  fork(request: ForkRequest): void {
    this.forks.push(request);
  }
  send(worker: WorkerId, message: PrimaryMessage): void {
    this.sent.push([worker, message]);
  }
  kill(worker: WorkerId, signal: Signal): void {
    this.kills.push([worker, signal]);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  /** The worker starts and listens, as node:cluster reports it. */
  start(worker: WorkerId, pid: number): void {
    this.listener({ type: 'forked', worker, pid });
    this.listener({ type: 'online', worker });
    this.listener({ type: 'listening', worker });
  }
}

/** Timers on a virtual clock: `advance` fires what is due, in time order. */
class VirtualTimers implements Timers {
  now = 0;
  readonly #pending = new Map<string, number>();
  readonly fired: (key: string) => void;
  constructor(fired: (key: string) => void) {
    this.fired = fired;
  }
  set(key: string, at: number): void {
    this.#pending.set(key, at);
  }
  cancel(key: string): void {
    this.#pending.delete(key);
  }
  cancelAll(): void {
    this.#pending.clear();
  }
  get size(): number {
    return this.#pending.size;
  }
  keys(): string[] {
    return [...this.#pending.keys()].sort();
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.#pending].filter(([, at]) => at <= until).sort((a, b) => a[1] - b[1])[0];
      if (due === undefined) break;
      this.#pending.delete(due[0]);
      this.now = Math.max(this.now, due[1]);
      this.fired(due[0]);
    }
    this.now = until;
  }
}

function config(groups: Record<string, Record<string, unknown>>): ClusterConfig {
  const result = validateConfig({ groups }, '/virtual/cluster.config.json');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

/** Exits are handed to the engine after the worker's output settles (a promise): let that run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(): {
  supervisor: Supervisor;
  host: () => FakeHost;
  timers: () => VirtualTimers;
  outcomes: Outcome[];
  log: MemoryStream;
} {
  const log = new MemoryStream();
  const hosts = new Map<Scheduling, FakeHost>();
  let timers: VirtualTimers | undefined;
  const supervisor = createSupervisor({
    logger: createLogger({ stream: log, pretty: false }),
    preload: '/virtual/preload.js',
    seed: 1,
    now: () => timers?.now ?? 0,
    createTimers: (_now, fired) => {
      timers = new VirtualTimers(fired);
      return timers;
    },
    createHosts: (listener): HostPool => ({
      for(scheduling) {
        let host = hosts.get(scheduling);
        if (host === undefined) {
          host = new FakeHost(scheduling, listener);
          hosts.set(scheduling, host);
        }
        return host;
      },
      async close() {
        for (const host of hosts.values()) await host.close();
      },
      listeningSockets: async () => [],
      releaseInherited: () => {},
      sync: async () => true,
    }),
  });
  const outcomes: Outcome[] = [];
  supervisor.onOutcome((outcome) => outcomes.push(outcome));
  return {
    supervisor,
    host: () => hosts.get('round-robin') as FakeHost,
    timers: () => timers as VirtualTimers,
    outcomes,
    log,
  };
}

describe('supervisor (real code, fake host, virtual clock)', () => {
  const web = { entry: app('http-info.ts'), count: 2, env: { PORT: '3000' } };

  it('forks each slot with the worker env, and reports the group ready once every worker listens', () => {
    const { supervisor, host, outcomes } = setup();
    supervisor.apply(config({ web }));
    expect(host().forks.map((f) => [f.worker, f.env.ORCHESTRATOR_WORKER_INDEX, f.env.PORT])).to.deep.equal([
      [1, '0', '3000'],
      [2, '1', '3000'],
    ]);
    host().start(1, 101);
    host().start(2, 102);
    expect(outcomes).to.deep.equal([{ kind: 'group-ready', group: 'web' }]);
    expect(supervisor.groups()[0]?.workers.map((w) => [w.id, w.pid, w.state])).to.deep.equal([
      [1, 101, 'ready'],
      [2, 102, 'ready'],
    ]);
    expect(supervisor.scheduling('web')).to.equal('round-robin');
  });

  it('respawns a crashed worker after its backoff, on the virtual clock', async () => {
    const { supervisor, host, timers } = setup();
    supervisor.apply(config({ web: { ...web, backoff: { strategy: 'fixed', delayMs: 500 } } }));
    host().start(1, 101);
    host().start(2, 102);
    host().listener({ type: 'exit', worker: 2, code: 1, signal: null });
    await settle();
    expect(supervisor.groups()[0]?.workers.map((w) => [w.index, w.state])).to.deep.equal([
      [0, 'ready'],
      [1, 'backoff'],
    ]);
    timers().advance(499);
    expect(host().forks).to.have.length(2);
    timers().advance(1);
    expect(host().forks.map((f) => [f.worker, f.env.ORCHESTRATOR_WORKER_INDEX])).to.deep.equal([
      [1, '0'],
      [2, '1'],
      [3, '1'],
    ]);
  });

  it('turns heartbeats into engine events: rss for status, and silence kills the worker', () => {
    const { supervisor, host, timers } = setup();
    supervisor.apply(config({ web: { ...web, count: 1, health: { heartbeatTimeoutMs: 2000 } } }));
    host().start(1, 101);
    host().listener({
      type: 'message',
      worker: 1,
      message: { orchestrator: 'heartbeat', rss: 42_000_000, loopDelayMs: 1 },
    });
    expect(supervisor.rss(1)).to.equal(42_000_000);
    timers().advance(1999);
    expect(host().kills).to.deep.equal([]);
    timers().advance(1);
    expect(host().kills).to.deep.equal([[1, 'SIGKILL']]);
  });

  it("drains with the group's deadline, and answers the worker's 'drained' with 'drained-ack'", () => {
    const { supervisor, host } = setup();
    supervisor.apply(config({ web: { ...web, count: 1, shutdown: { timeoutMs: 4000 } } }));
    host().start(1, 101);
    supervisor.shutdown();
    expect(host().sent).to.have.length(1);
    expect(host().sent[0]?.[1]).to.deep.include({ orchestrator: 'drain', timeoutMs: 4000 });
    host().listener({ type: 'message', worker: 1, message: { orchestrator: 'drained' } });
    expect(host().sent.at(-1)).to.deep.equal([1, { orchestrator: 'drained-ack' }]);
  });

  it('completes a shutdown once every worker has exited, and closes its hosts', async () => {
    const { supervisor, host, outcomes, timers } = setup();
    supervisor.apply(config({ web }));
    host().start(1, 101);
    host().start(2, 102);
    supervisor.shutdown();
    host().listener({ type: 'exit', worker: 1, code: 0, signal: null });
    host().listener({ type: 'exit', worker: 2, code: 0, signal: null });
    await settle();
    expect(outcomes.at(-1)).to.deep.equal({ kind: 'shutdown-complete' });
    expect(timers().keys()).to.deep.equal([]);
    await supervisor.close();
    expect(host().closed).to.equal(true);
  });
});
