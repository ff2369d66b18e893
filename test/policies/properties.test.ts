import { expect } from 'chai';
import fc from 'fast-check';
import { createEngine, type EngineState, step } from '../../src/policies/engine.ts';
import { checkInvariants } from '../../src/policies/invariants.ts';
import type { BackoffSpec, EngineAction, EngineEvent, GroupSpec } from '../../src/policies/types.ts';
import { describe as describeGroups, isShutdownComplete } from '../../src/policies/view.ts';
import { groupSpec, Simulator } from './simulator.ts';

/**
 * Properties over random event sequences, nonsense included (exits of unknown workers, duplicates, events out of
 * order, timers for cancelled keys). A `World` feeds the engine and keeps its own account of the processes and
 * timers from the actions alone, independently of the engine's state, and checks the rules after every step,
 * and the engine's own invariants (every index agrees with the workers and slots it summarises).
 */

const backoffs: BackoffSpec[] = [
  { strategy: 'exponential', initialMs: 100, maxMs: 2000, factor: 2, jitter: 0.2 },
  { strategy: 'linear', initialMs: 50, incrementMs: 50, maxMs: 500 },
  { strategy: 'fixed', delayMs: 100 },
  { strategy: 'none' },
];

const specArb = fc
  .record({
    count: fc.integer({ min: 0, max: 4 }),
    revision: fc.constantFrom('r1', 'r2', 'r3'),
    on: fc.constantFrom('listening' as const, 'message' as const),
    when: fc.constantFrom('always' as const, 'on-failure' as const, 'never' as const),
    maxRestarts: fc.integer({ min: 0, max: 4 }),
    maxSurge: fc.integer({ min: 0, max: 2 }),
    maxUnavailable: fc.integer({ min: 0, max: 2 }),
    order: fc.integer({ min: 0, max: 2 }),
    backoff: fc.constantFrom(...backoffs),
    heartbeatTimeoutMs: fc.constantFrom(0, 500, 2000),
    maxMemoryMb: fc.constantFrom(0, 100),
    recycle: fc.constantFrom(
      undefined,
      { afterRequests: 3, afterMs: 0, jitter: 0 },
      { afterRequests: 0, afterMs: 1500, jitter: 0.5 },
    ),
    spares: fc.constantFrom(undefined, { count: 1, preload: false }, { count: 2, preload: true }),
  })
  .map(
    (r): GroupSpec =>
      groupSpec({
        count: r.count,
        revision: r.revision,
        backoff: r.backoff,
        ready: { on: r.on, timeoutMs: 1000 },
        restart: { when: r.when, maxRestarts: r.maxRestarts, windowMs: 10_000, resetAfterMs: 2000 },
        // both 0 is rejected by config validation
        reload: {
          order: r.order,
          maxSurge: r.maxSurge === 0 && r.maxUnavailable === 0 ? 1 : r.maxSurge,
          maxUnavailable: r.maxUnavailable,
          timeoutMs: 5000,
        },
        shutdown: { timeoutMs: 3000 },
        health: { heartbeatTimeoutMs: r.heartbeatTimeoutMs, maxMemoryMb: r.maxMemoryMb },
        ...(r.recycle === undefined ? {} : { recycle: r.recycle }),
        ...(r.spares === undefined ? {} : { spares: r.spares }),
      }),
  );

const configArb = fc
  .record({ a: fc.option(specArb, { nil: undefined }), b: fc.option(specArb, { nil: undefined }) })
  .map(
    (groups) =>
      Object.fromEntries(Object.entries(groups).filter(([, spec]) => spec !== undefined)) as Record<
        string,
        GroupSpec
      >,
  );

const pick = fc.nat();
const commandArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('forked' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('online' as const), pick }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constantFrom('listening' as const, 'ready' as const), pick }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('standby' as const), pick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('exit' as const),
      pick,
      code: fc.constantFrom(0, 1, null),
      signal: fc.constantFrom(null, 'SIGKILL', 'SIGTERM'),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('fire' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('garbage-timer' as const),
      key: fc.oneof(
        fc.string(),
        fc.constantFrom('respawn:0:a', 'ready-timeout:1', 'kill-deadline:2', 'reload-deadline:b'),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reload' as const),
      groups: fc.subarray(['a', 'b', 'zz']),
      request: fc.nat(99),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('scale' as const),
      group: fc.constantFrom('a', 'b', 'zz'),
      count: fc.integer({ min: -1, max: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('config' as const), groups: configArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constantFrom('heartbeat' as const, 'memory' as const), pick }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('requests' as const),
      pick,
      total: fc.integer({ min: 0, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('shutdown' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unknown' as const),
      worker: fc.integer({ min: -3, max: 100_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat' as const) }) },
);
type Command = typeof commandArb extends fc.Arbitrary<infer C> ? C : never;

interface Process {
  readonly id: number;
  readonly group: string;
  /** Forked as a spare and not activated: holds no slot, counts against no surge. */
  spare: boolean;
  stopped: boolean; // drained or killed
  exited: boolean;
}

class World {
  state: EngineState;
  now = 0;
  readonly processes: Process[] = [];
  readonly timers = new Map<string, number>();
  specs: Record<string, GroupSpec> = {};
  readonly desired = new Map<string, number>();
  readonly surge = new Map<string, number>();
  readonly failed = new Set<string>();
  shutdown = false;
  completeReports = 0;
  last: EngineEvent | null = null;

  constructor(seed: number, groups: Record<string, GroupSpec>) {
    this.state = createEngine(seed);
    this.send({ type: 'config-applied', groups });
  }

  send(event: EngineEvent): void {
    this.last = event;
    this.#expectEvent(event);
    const { state, actions } = step(this.state, event, this.now);
    this.state = state;
    expect(checkInvariants(state), `invariants after ${JSON.stringify(event)}`).to.deep.equal([]);
    for (let i = 0; i < actions.length; i++) this.#apply(actions[i] as EngineAction, actions[i + 1]);
    this.#checkSurge();
  }

  run(command: Command): void {
    const event = this.#eventFor(command);
    if (event !== null) this.send(event);
  }

  #eventFor(command: Command): EngineEvent | null {
    // any worker ever forked, exited ones included: repeats and out-of-order events are part of the test
    const proc =
      'pick' in command ? this.processes[command.pick % Math.max(1, this.processes.length)] : undefined;
    const worker = proc?.id ?? 1;
    switch (command.kind) {
      case 'forked':
        return { type: 'worker-forked', worker, pid: 1000 + worker };
      case 'online':
        return { type: 'worker-online', worker };
      case 'listening':
        return { type: 'worker-listening', worker };
      case 'ready':
        return { type: 'worker-ready', worker };
      case 'standby':
        return { type: 'worker-standby', worker };
      case 'exit':
        if (proc !== undefined) proc.exited = true;
        return { type: 'worker-exited', worker, code: command.code, signal: command.signal };
      case 'fire': {
        const keys = [...this.timers.keys()];
        const key = keys[command.pick % Math.max(1, keys.length)];
        if (key === undefined) return null;
        this.now = Math.max(this.now, this.timers.get(key) ?? 0);
        this.timers.delete(key);
        return { type: 'timer-fired', key };
      }
      case 'garbage-timer':
        this.timers.delete(command.key); // a made-up key may happen to be a real one: then it just fired early
        return { type: 'timer-fired', key: command.key };
      case 'advance':
        this.now += command.ms;
        return null;
      case 'reload':
        return { type: 'reload-requested', groups: command.groups, request: command.request };
      case 'scale':
        return { type: 'scale-requested', counts: { [command.group]: command.count } };
      case 'config':
        return { type: 'config-applied', groups: command.groups };
      case 'heartbeat':
        return { type: 'worker-heartbeat', worker, rssBytes: 50e6 };
      case 'memory':
        return { type: 'worker-heartbeat', worker, rssBytes: 1e9 };
      case 'requests':
        return { type: 'requests-served', worker, total: command.total };
      case 'shutdown':
        return { type: 'shutdown-requested' };
      case 'unknown': {
        // mostly an id never forked; when it happens to be a real one, that worker is told to have exited
        const known = this.processes.find((p) => p.id === command.worker);
        if (known !== undefined) known.exited = true;
        return { type: 'worker-exited', worker: command.worker, code: 1, signal: null };
      }
      case 'repeat':
        return this.last;
    }
  }

  /** Shutdown, then every process exits as told (no timer fires): nothing may be left pending after the last exit. */
  shutDownCompletely(): void {
    this.send({ type: 'shutdown-requested' });
    for (let running = this.#running(); running.length > 0; running = this.#running()) {
      for (const p of running) {
        p.exited = true;
        this.send({ type: 'worker-exited', worker: p.id, code: 0, signal: null });
      }
    }
  }

  #running(): Process[] {
    return this.processes.filter((p) => !p.exited);
  }

  live(group: string): number {
    return this.processes.filter((p) => p.group === group && !p.spare && !p.stopped && !p.exited).length;
  }

  spares(group: string): number {
    return this.processes.filter((p) => p.group === group && p.spare && !p.stopped && !p.exited).length;
  }

  /** What the engine was told, as far as limits go (mirrors the documented rules, not the engine's code). */
  #expectEvent(event: EngineEvent): void {
    if (this.shutdown) return; // configs, scales and reloads are refused once shutdown began
    switch (event.type) {
      case 'config-applied':
        for (const [name, spec] of Object.entries(event.groups)) {
          if (JSON.stringify(this.specs[name]) !== JSON.stringify(spec)) this.failed.delete(name);
          this.desired.set(name, spec.count);
          this.surge.set(name, spec.reload.maxSurge);
        }
        for (const name of Object.keys(this.specs)) if (!(name in event.groups)) this.desired.set(name, 0);
        this.specs = { ...event.groups };
        return;
      case 'scale-requested':
        for (const [name, count] of Object.entries(event.counts)) {
          if (name in this.specs && Number.isInteger(count) && count >= 0) this.desired.set(name, count);
        }
        return;
      case 'reload-requested':
        for (const name of event.groups.length === 0 ? Object.keys(this.specs) : event.groups)
          this.failed.delete(name);
        return;
      case 'shutdown-requested':
        this.shutdown = true;
        return;
      default:
        return;
    }
  }

  #apply(action: EngineAction, next: EngineAction | undefined): void {
    switch (action.type) {
      case 'fork':
        expect(this.shutdown, 'fork after shutdown').to.equal(false);
        expect(this.failed.has(action.group), `fork for failed group ${action.group}`).to.equal(false);
        expect(action.spare === undefined || action.index === -1, 'a spare forked for a slot').to.equal(true);
        this.processes.push({
          id: action.worker,
          group: action.group,
          spare: action.spare !== undefined,
          stopped: false,
          exited: false,
        });
        return;
      case 'activate': {
        const p = this.processes.find((q) => q.id === action.worker);
        expect(p?.spare, `activate of a worker that is not a spare: ${action.worker}`).to.equal(true);
        expect(p?.stopped || p?.exited, 'activate of a stopped or exited spare').to.equal(false);
        expect(this.shutdown, 'activate after shutdown').to.equal(false);
        if (p !== undefined) p.spare = false;
        return;
      }
      case 'drain': {
        expect(next, 'drain followed by its kill timer').to.deep.include({
          type: 'set-timer',
          timer: { kind: 'kill-deadline', worker: action.worker },
        });
        this.#stop(action.worker);
        return;
      }
      case 'kill':
        this.#stop(action.worker);
        return;
      case 'set-timer':
        this.timers.set(action.key, action.at);
        return;
      case 'cancel-timer':
        expect(this.timers.has(action.key), `cancel of a timer never set: ${action.key}`).to.equal(true);
        this.timers.delete(action.key);
        return;
      case 'report':
        if (action.outcome.kind === 'group-failed') this.failed.add(action.outcome.group);
        if (action.outcome.kind === 'shutdown-complete') this.completeReports++;
        return;
      case 'log':
        return;
    }
  }

  #stop(worker: number): void {
    const p = this.processes.find((q) => q.id === worker);
    expect(p, `stop of an unknown worker ${worker}`).to.not.equal(undefined);
    if (p !== undefined) p.stopped = true;
  }

  #checkSurge(): void {
    for (const [name, desired] of this.desired) {
      const limit = Math.max(0, desired) + (this.surge.get(name) ?? 0);
      expect(this.live(name), `live workers of ${name} over count + maxSurge`).to.be.at.most(limit);
      if (!this.shutdown)
        expect(this.spares(name), `spares of ${name} over spares.count`).to.be.at.most(
          this.specs[name]?.spares?.count ?? 0,
        );
    }
  }
}

const sequenceArb = fc.record({
  seed: fc.integer(),
  a: specArb,
  b: specArb,
  commands: fc.array(commandArb, { maxLength: 80 }),
});

describe('engine properties', function () {
  // Thousands of steps per run, each followed by the invariant check: generous on a busy machine.
  this.timeout(120_000);

  it('converges when events are lost at random: the resync tick heals lost timers and readiness, spares included', () => {
    // Lost: timer firings and the processes' own reports, except exits (nothing but an exit says a process is gone)
    // and the resync tick itself (with every worker dead, it may be the only event left): the shell must deliver
    // those. Whatever else was lost, once losses stop the group ends at strength and ready, with no rollout left.
    const lossy: ReadonlySet<EngineEvent['type']> = new Set([
      'timer-fired',
      'worker-forked',
      'worker-online',
      'worker-listening',
      'worker-standby',
      'worker-heartbeat',
    ]);
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          count: fc.integer({ min: 1, max: 4 }),
          spares: fc.integer({ min: 0, max: 2 }),
          lossPercent: fc.integer({ min: 5, max: 60 }),
          reloads: fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 3 }),
          crashes: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20_000 }), pick: fc.nat() }), {
            maxLength: 5,
          }),
        }),
        ({ seed, count, spares, lossPercent, reloads, crashes }) => {
          const sim = new Simulator(seed, () => ({ readyAfterMs: 50, beatEveryMs: 2000 }));
          let losses = seed >>> 0;
          let losing = true;
          sim.drop = (event) => {
            if (!losing || !lossy.has(event.type)) return false;
            if (event.type === 'timer-fired' && event.key === 'reconcile') return false;
            losses = (Math.imul(losses, 1_103_515_245) + 12_345) >>> 0;
            return losses % 100 < lossPercent;
          };
          const spec = groupSpec({
            count,
            restart: { maxRestarts: 1_000_000 },
            reload: { timeoutMs: 5000 },
            health: { heartbeatTimeoutMs: 5000 },
            spares: { count: spares },
          });
          sim.send({ type: 'config-applied', groups: { web: spec } });
          const events = [
            ...reloads.map((at) => ({
              at,
              run: () => sim.send({ type: 'reload-requested', groups: [], request: at }),
            })),
            ...crashes.map(({ at, pick }) => ({
              at,
              run: () => {
                const live = sim.liveWorkers();
                const target = live[pick % Math.max(1, live.length)];
                if (target !== undefined) sim.crash(target.worker);
              },
            })),
          ].sort((a, b) => a.at - b.at);
          for (const { at, run } of events) {
            sim.advance(at - sim.now);
            run();
          }
          sim.advance(Math.max(0, 20_000 - sim.now));
          losing = false;
          sim.advance(300_000);
          const [web] = describeGroups(sim.state);
          expect(web?.workers.map((w) => w.state)).to.deep.equal(
            Array.from({ length: count }, () => 'ready'),
          );
          expect(web?.state).to.equal('running');
          expect(web?.spares.map((s) => s.state)).to.deep.equal(
            Array.from({ length: spares }, () => 'standby'),
          );
          expect(sim.liveWorkers()).to.have.length(count + spares);
          expect(sim.state.rollout).to.equal(null);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never throws, keeps live workers within count + maxSurge and spares within spares.count, activates only live spares, forks nothing for a failed group or after shutdown, pairs every drain with a kill timer', () => {
    fc.assert(
      fc.property(sequenceArb, ({ seed, a, b, commands }) => {
        const world = new World(seed, { a, b });
        for (const command of commands) world.run(command);
      }),
      { numRuns: 400 },
    );
  });

  it('leaves no worker and no timer after shutdown and all exits, and reports it exactly once', () => {
    fc.assert(
      fc.property(sequenceArb, ({ seed, a, b, commands }) => {
        const world = new World(seed, { a, b });
        for (const command of commands) world.run(command);
        world.shutDownCompletely();
        expect(world.timers.size, 'timers the primary would still hold').to.equal(0);
        expect(world.state.timers.size).to.equal(0);
        expect(world.state.workers.size).to.equal(0);
        expect(world.completeReports).to.equal(1);
        expect(isShutdownComplete(world.state)).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps at least count - maxUnavailable workers ready through reloads without crashes, and ends with no orphan', () => {
    const reloadCommand = fc.oneof(
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ kind: fc.constant('reload' as const) }),
      fc.record({ kind: fc.constant('memory' as const), pick }),
    );
    fc.assert(
      fc.property(
        fc.record({
          count: fc.integer({ min: 1, max: 5 }),
          maxSurge: fc.integer({ min: 0, max: 2 }),
          maxUnavailable: fc.integer({ min: 0, max: 2 }),
          readyDelays: fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 }),
          drainDelays: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 }),
          commands: fc.array(reloadCommand, { maxLength: 30 }),
        }),
        ({ count, maxSurge, maxUnavailable, readyDelays, drainDelays, commands }) => {
          const surge = maxSurge === 0 && maxUnavailable === 0 ? 1 : maxSurge;
          let n = 0;
          const sim = new Simulator(1, () => {
            const i = n++;
            return {
              readyAfterMs: readyDelays[i % readyDelays.length] as number,
              drainMs: drainDelays[i % drainDelays.length] as number,
              beatEveryMs: 4000, // within the 10 s heartbeat timeout; fewer events over the 10 minutes simulated
            };
          });
          const spec = groupSpec({
            count,
            reload: { maxSurge: surge, maxUnavailable, timeoutMs: 600_000 },
            health: { maxMemoryMb: 100 },
          });
          sim.send({ type: 'config-applied', groups: { web: spec } });
          sim.advance(1000);
          const ready = new Set(sim.liveWorkers().map((f) => f.worker));
          const stopped = new Set<number>();
          sim.observer = (event, actions) => {
            if (event.type === 'worker-listening' && !stopped.has(event.worker)) ready.add(event.worker);
            if (event.type === 'worker-exited') ready.delete(event.worker);
            for (const action of actions) {
              if (action.type === 'drain' || action.type === 'kill') {
                ready.delete(action.worker);
                stopped.add(action.worker);
              }
            }
            expect(ready.size, 'ready workers').to.be.at.least(count - maxUnavailable);
          };
          let request = 0;
          for (const command of commands) {
            if (command.kind === 'advance') sim.advance(command.ms);
            else if (command.kind === 'reload')
              sim.send({ type: 'reload-requested', groups: [], request: ++request });
            else {
              const candidates = sim.liveWorkers().filter((f) => !stopped.has(f.worker));
              const target = candidates[command.pick % Math.max(1, candidates.length)];
              if (target !== undefined)
                sim.send({ type: 'worker-heartbeat', worker: target.worker, rssBytes: 1e9 });
            }
          }
          sim.advance(600_000);
          const [web] = describeGroups(sim.state);
          const newest = Math.max(
            ...sim.timeline.flatMap((t) => (t.action.type === 'fork' ? [t.action.generation] : [])),
          );
          expect(web?.workers.map((w) => [w.state, w.generation])).to.deep.equal(
            Array.from({ length: count }, () => ['ready', newest]),
          );
          expect(sim.liveWorkers()).to.have.length(count);
          if (request > 0)
            expect(sim.lines(['report']).at(-1)).to.match(new RegExp(`rollout-finished ${request} true`));
        },
      ),
      { numRuns: 300 },
    );
  });
});
