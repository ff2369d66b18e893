/**
 * A virtual-clock simulator for the policy engine: a priority queue of what is due (the engine's timers and the
 * simulated processes' own events), `advance(ms)` plays them in time order, and every action the engine emits is
 * recorded with its time. Processes follow a script chosen per fork (ready after N ms, crash after N ms, ignore
 * drains...), so a scenario is fully deterministic and its timeline can be asserted exactly. The engine's
 * invariants (src/policies/invariants.ts) are checked after every step.
 */
import { createEngine, step } from '../../src/policies/engine.ts';
import { Heap } from '../../src/policies/heap.ts';
import { checkInvariants } from '../../src/policies/invariants.ts';
import type { EngineState } from '../../src/policies/state.ts';
import type { EngineAction, EngineEvent, GroupSpec, WorkerId } from '../../src/policies/types.ts';

export type ForkAction = Extract<EngineAction, { type: 'fork' }>;

/** How a simulated process behaves. Times are relative to its fork. */
export interface Script {
  /** Reports ready after this many ms (null: never). Default 50. A spare reports `worker-standby` instead. */
  readonly readyAfterMs?: number | null;
  /** A spare: reports ready this many ms after its `activate` (null: never). Default 1. */
  readonly activeAfterMs?: number | null;
  /** 'worker-listening' (default) or 'worker-ready' (the app called ready()). */
  readonly readyVia?: 'worker-listening' | 'worker-ready';
  /** Exits on its own after this many ms. */
  readonly exitAfterMs?: number;
  readonly exitCode?: number | null;
  readonly exitSignal?: string | null;
  /** What its stderr said before it exited on its own (the shell's `stderr` of `worker-exited`). */
  readonly stderr?: string;
  /** Exits with code 0 this many ms after a drain (null: ignores drains). Default 10. */
  readonly drainMs?: number | null;
  /** Sends a heartbeat every this many ms from its fork, as the worker runtime does (null: never). Default 1000. */
  readonly beatEveryMs?: number | null;
  /** Stops beating this many ms after its fork (its event loop blocks). Default: never. */
  readonly silentAfterMs?: number;
  /** RSS its heartbeats report, in bytes, given the time since its fork. Default 50 MB. */
  readonly rssBytes?: (sinceForkMs: number) => number;
}

export type Behaviour = (fork: ForkAction, sim: Simulator) => Script;

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

interface Process {
  readonly fork: ForkAction;
  alive: boolean;
  pid: number;
}

export interface TimedAction {
  readonly at: number;
  readonly action: EngineAction;
}

export class Simulator {
  now = 0;
  state: EngineState;
  readonly timeline: TimedAction[] = [];
  behaviour: Behaviour;
  /** Called after every step, with the event fed and the actions it produced (for property checks). */
  observer: ((event: EngineEvent, actions: readonly EngineAction[], sim: Simulator) => void) | null = null;
  readonly #queue = new Heap<Entry>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  #seq = 0;
  /** The queue entry that currently stands for each pending engine timer (re-set or cancelled ones are stale). */
  readonly #timers = new Map<string, number>();
  readonly #processes = new Map<WorkerId, Process>();
  #nextPid = 1000;

  constructor(seed = 1, behaviour: Behaviour = () => ({})) {
    this.state = createEngine(seed);
    this.behaviour = behaviour;
  }

  /**
   * Drops an event instead of feeding it (a lost message or timer), for convergence properties. Its process
   * or timer goes on as if it had been delivered.
   */
  drop: ((event: EngineEvent) => boolean) | null = null;

  /** Feeds one event now; returns the actions it produced (also recorded in the timeline). */
  send(event: EngineEvent): EngineAction[] {
    if (this.drop?.(event) === true) return [];
    const result = step(this.state, event, this.now);
    this.state = result.state;
    const problems = checkInvariants(this.state);
    if (problems.length > 0)
      throw new Error(
        `invariants broken at ${this.now} after ${JSON.stringify(event)}: ${problems.join('; ')}`,
      );
    for (const action of result.actions) this.timeline.push({ at: this.now, action });
    this.observer?.(event, result.actions, this);
    for (const action of result.actions) this.#carryOut(action);
    return result.actions;
  }

  /** Plays everything due within the next `ms`, in time order, then moves the clock to now + ms. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (let top = this.#queue.peek(); top !== undefined && top.at <= until; top = this.#queue.peek()) {
      this.#queue.pop();
      this.now = top.at;
      top.run();
    }
    this.now = until;
  }

  /** Timers the simulator still holds for the engine. */
  pendingTimers(): string[] {
    return [...this.#timers.keys()].sort();
  }

  /** Workers forked and not yet exited. */
  liveWorkers(): ForkAction[] {
    return [...this.#processes.values()].filter((p) => p.alive).map((p) => p.fork);
  }

  /** A process exits now, whatever its script says (a crash from outside). */
  crash(worker: WorkerId, code: number | null = 1, signal: string | null = null): void {
    this.#exit(worker, code, signal);
  }

  /** A process is killed now along with the helper host that ran it (not the app's doing). */
  loseWithHost(worker: WorkerId): void {
    this.#exit(worker, null, 'SIGKILL', null, 'host-lost');
  }

  /**
   * The timeline as compact lines `"<ms> <action>"`, e.g. `"110 fork w2 web[0] g1"`, logs and timer
   * bookkeeping left out unless `types` asks for them.
   */
  lines(types: readonly EngineAction['type'][] = ['fork', 'activate', 'drain', 'kill', 'report']): string[] {
    return this.timeline
      .filter((t) => types.includes(t.action.type))
      .map((t) => `${t.at} ${format(t.action)}`);
  }

  #carryOut(action: EngineAction): void {
    switch (action.type) {
      case 'set-timer': {
        const seq = this.#schedule(action.at, () => {
          if (this.#timers.get(action.key) !== seq) return;
          this.#timers.delete(action.key);
          this.send({ type: 'timer-fired', key: action.key });
        });
        this.#timers.set(action.key, seq);
        return;
      }
      case 'cancel-timer':
        this.#timers.delete(action.key);
        return;
      case 'fork':
        this.#start(action);
        return;
      case 'activate': {
        const script = this.#scriptOf(action.worker);
        const after = script?.activeAfterMs === undefined ? 1 : script.activeAfterMs;
        const via = script?.readyVia ?? 'worker-listening';
        const id = action.worker;
        if (after !== null)
          this.#schedule(this.now + after, () => this.#ifAlive(id, { type: via, worker: id }));
        return;
      }
      case 'drain': {
        const script = this.#scriptOf(action.worker);
        const drainMs = script === undefined ? 10 : script.drainMs === undefined ? 10 : script.drainMs;
        if (drainMs !== null) this.#schedule(this.now + drainMs, () => this.#exit(action.worker, 0, null));
        return;
      }
      case 'kill':
        this.#schedule(this.now, () => this.#exit(action.worker, null, action.signal));
        return;
      default:
        return;
    }
  }

  readonly #scripts = new Map<WorkerId, Script>();

  #scriptOf(worker: WorkerId): Script | undefined {
    return this.#scripts.get(worker);
  }

  #start(fork: ForkAction): void {
    const script = this.behaviour(fork, this);
    const process: Process = { fork, alive: true, pid: this.#nextPid++ };
    this.#processes.set(fork.worker, process);
    this.#scripts.set(fork.worker, script);
    const id = fork.worker;
    this.#schedule(this.now, () =>
      this.#ifAlive(id, { type: 'worker-forked', worker: id, pid: process.pid }),
    );
    this.#schedule(this.now, () => this.#ifAlive(id, { type: 'worker-online', worker: id }));
    const readyAfter = script.readyAfterMs === undefined ? 50 : script.readyAfterMs;
    if (readyAfter !== null) {
      const via = fork.spare !== undefined ? 'worker-standby' : (script.readyVia ?? 'worker-listening');
      this.#schedule(this.now + readyAfter, () => this.#ifAlive(id, { type: via, worker: id }));
    }
    const beatEvery = script.beatEveryMs === undefined ? 1000 : script.beatEveryMs;
    if (beatEvery !== null && beatEvery > 0) {
      const forkedAt = this.now;
      const beat = () => {
        const since = this.now - forkedAt;
        if (this.#processes.get(id)?.alive !== true) return;
        if (script.silentAfterMs !== undefined && since >= script.silentAfterMs) return;
        this.send({ type: 'worker-heartbeat', worker: id, rssBytes: script.rssBytes?.(since) ?? 50e6 });
        this.#schedule(this.now + beatEvery, beat);
      };
      this.#schedule(this.now + beatEvery, beat);
    }
    if (script.exitAfterMs !== undefined) {
      const code = script.exitCode === undefined ? 1 : script.exitCode;
      const signal = script.exitSignal ?? null;
      const stderr = script.stderr ?? null;
      this.#schedule(this.now + script.exitAfterMs, () => this.#exit(id, code, signal, stderr));
    }
  }

  #ifAlive(worker: WorkerId, event: EngineEvent): void {
    if (this.#processes.get(worker)?.alive === true) this.send(event);
  }

  #exit(
    worker: WorkerId,
    code: number | null,
    signal: string | null,
    stderr: string | null = null,
    cause?: 'host-lost',
  ): void {
    const process = this.#processes.get(worker);
    if (process === undefined || !process.alive) return;
    process.alive = false;
    this.send({
      type: 'worker-exited',
      worker,
      code,
      signal,
      stderr,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  #schedule(at: number, run: () => void): number {
    const seq = this.#seq++;
    this.#queue.push({ at, seq, run });
    return seq;
  }
}

export function format(action: EngineAction): string {
  switch (action.type) {
    case 'fork':
      return action.spare === undefined
        ? `fork w${action.worker} ${action.group}[${action.index}] g${action.generation}`
        : `fork w${action.worker} ${action.group}[spare] g${action.generation}`;
    case 'activate':
      return `activate w${action.worker} [${action.index}]`;
    case 'drain':
      return `drain w${action.worker} ${action.reason}`;
    case 'kill':
      return `kill w${action.worker} ${action.signal} ${action.reason}`;
    case 'set-timer':
      return `set ${action.key} @${action.at}`;
    case 'cancel-timer':
      return `cancel ${action.key}`;
    case 'log':
      return `log ${action.msg}`;
    case 'report': {
      const { kind, ...rest } = action.outcome;
      const values = Object.values(rest).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
      return ['report', kind, ...values].join(' ');
    }
  }
}

export type SpecOverrides = {
  readonly [K in keyof GroupSpec]?: NonNullable<GroupSpec[K]> extends object
    ? Partial<NonNullable<GroupSpec[K]>>
    : GroupSpec[K];
};

/** A group spec with the contract's defaults but count 2, revision 'r1' and jitter 0, with the given fields replaced. */
export function groupSpec(overrides: SpecOverrides = {}): GroupSpec {
  const { backoff, ...rest } = overrides;
  return {
    count: rest.count ?? 2,
    revision: rest.revision ?? 'r1',
    ready: { on: 'listening', timeoutMs: 30_000, ...rest.ready },
    backoff: (backoff as GroupSpec['backoff'] | undefined) ?? {
      strategy: 'exponential',
      initialMs: 100,
      maxMs: 30_000,
      factor: 2,
      jitter: 0,
    },
    restart: { when: 'always', maxRestarts: 10, windowMs: 60_000, resetAfterMs: 60_000, ...rest.restart },
    reload: { order: 0, maxSurge: 1, maxUnavailable: 0, timeoutMs: 120_000, ...rest.reload },
    shutdown: { timeoutMs: 10_000, ...rest.shutdown },
    health: { heartbeatTimeoutMs: 10_000, maxMemoryMb: 0, ...rest.health },
    ...(rest.recycle ? { recycle: { afterRequests: 0, afterMs: 0, jitter: 0, ...rest.recycle } } : {}),
    ...(rest.spares ? { spares: { count: 0, preload: false, ...rest.spares } } : {}),
  };
}
