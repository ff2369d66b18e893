/**
 * Events per second through the policy engine's `step`, with one group of 10, 1,000 and 10,000 workers in steady
 * state. Each cycle, while more than half the workers are ready, is one heartbeat of a serving worker and the
 * life of one crash: `worker-exited` (or, one time in ten, a heartbeat over the memory limit, whose worker is
 * replaced: a fork, then a drain and its exit), then the `timer-fired` of its respawn, then `worker-forked`,
 * `worker-online`, `worker-listening` of the new worker. Heartbeat deadlines are on (30 s; every worker beats at
 * least every 10 s of the clock at 10,000 workers), so their timers fire and are set again as in production. The clock advances
 * 1 ms per cycle; backoff is exponential 100 ms +-10 %, so about a hundred slots are in backoff at any time.
 * Target: >= 200,000 events/s and a per-event cost within 2x from 10 to 10,000.
 *
 *   npx node bench/engine.ts [events per size, default 2,000,000]
 */
import { createEngine, type EngineState, step } from '../src/policies/engine.ts';
import { Heap } from '../src/policies/heap.ts';
import { createRng, nextRandom } from '../src/policies/random.ts';
import type { EngineAction, EngineEvent, GroupSpec } from '../src/policies/types.ts';

const eventsPerSize = Number(process.argv[2] ?? 2_000_000);

function spec(count: number): GroupSpec {
  return {
    count,
    revision: 'r1',
    ready: { on: 'listening', timeoutMs: 30_000 },
    backoff: { strategy: 'exponential', initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.1 },
    // resetAfterMs 0: every crashed worker had been up long enough, so each restart is attempt 0 (100 ms)
    restart: { when: 'always', maxRestarts: 1e12, windowMs: 60_000, resetAfterMs: 0 },
    reload: { order: 0, maxSurge: 1, maxUnavailable: 0, timeoutMs: 120_000 },
    shutdown: { timeoutMs: 10_000 },
    health: { heartbeatTimeoutMs: 30_000, maxMemoryMb: 512 },
  };
}

interface Result {
  readonly workers: number;
  readonly events: number;
  readonly seconds: number;
}

function run(workers: number, events: number): Result {
  let state: EngineState = createEngine(1);
  const rng = createRng(2);
  let now = 0;
  let count = 0;
  const ready: number[] = [];
  const timers = new Heap<{ key: string; at: number }>((a, b) => a.at < b.at);
  const pending = new Map<string, number>();

  const send = (event: EngineEvent): EngineAction[] => {
    const result = step(state, event, now);
    state = result.state;
    count++;
    for (const action of result.actions) {
      if (action.type === 'set-timer') {
        pending.set(action.key, action.at);
        timers.push({ key: action.key, at: action.at });
      } else if (action.type === 'cancel-timer') pending.delete(action.key);
    }
    for (const action of result.actions) {
      if (action.type === 'fork') start(action.worker);
      else if (action.type === 'drain' || action.type === 'kill') stopping.push(action.worker);
    }
    return result.actions;
  };
  /** Workers told to drain or killed: they exit at the end of the cycle. */
  const stopping: number[] = [];
  const gone = new Set<number>();
  let beat = 0;
  const start = (worker: number) => {
    send({ type: 'worker-forked', worker, pid: 10_000 + worker });
    send({ type: 'worker-online', worker });
    send({ type: 'worker-listening', worker });
    ready.push(worker);
  };
  const crash = () => {
    const i = Math.floor(nextRandom(rng) * ready.length);
    const worker = ready[i] as number;
    ready[i] = ready[ready.length - 1] as number;
    ready.pop();
    if (gone.delete(worker)) return; // stopped already
    if (nextRandom(rng) < 0.1) send({ type: 'worker-heartbeat', worker, rssBytes: 600 * 1024 * 1024 });
    else send({ type: 'worker-exited', worker, code: 1, signal: null });
  };
  const exitStopped = () => {
    for (let w = stopping.pop(); w !== undefined; w = stopping.pop()) {
      gone.add(w);
      send({ type: 'worker-exited', worker: w, code: 0, signal: null });
    }
  };
  const heartbeat = () => {
    if (ready.length === 0) return;
    beat = (beat + 1) % ready.length;
    send({ type: 'worker-heartbeat', worker: ready[beat] as number, rssBytes: 100 * 1024 * 1024 });
  };
  const fireDue = () => {
    for (let top = timers.peek(); top !== undefined && top.at <= now; top = timers.peek()) {
      timers.pop();
      if (pending.get(top.key) !== top.at) continue;
      pending.delete(top.key);
      send({ type: 'timer-fired', key: top.key });
    }
  };

  send({ type: 'config-applied', groups: { web: spec(workers) } });
  const cycle = () => {
    if (ready.length > workers / 2) {
      heartbeat();
      crash();
    }
    exitStopped();
    now += 1;
    fireDue();
  };
  // warm-up: reach steady state and let the JIT settle
  while (count < events / 4) cycle();
  count = 0;
  const started = process.hrtime.bigint();
  while (count < events) cycle();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { workers, events: count, seconds };
}

const results = [10, 1_000, 10_000].map((workers) => run(workers, eventsPerSize));
const rows = results.map((r) => ({
  workers: r.workers.toLocaleString('en-US'),
  'events/s': Math.round(r.events / r.seconds).toLocaleString('en-US'),
  'ns/event': Math.round((r.seconds / r.events) * 1e9).toLocaleString('en-US'),
}));
console.table(rows);
const perEvent = (r: Result | undefined) => (r === undefined ? Number.NaN : r.seconds / r.events);
const ratio = perEvent(results[2]) / perEvent(results[0]);
console.log(`cost per event, 10,000 vs 10 workers: ${ratio.toFixed(2)}x (target <= 2x)`);
