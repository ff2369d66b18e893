import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestCommand, TestEvent } from '../fixtures/protocol.ts';
import { reapAll } from './processes.ts';

const PRIMARY = fileURLToPath(new URL('../fixtures/primary.ts', import.meta.url));

/** Distributes `Omit` over a union, so each command keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Reply = Extract<TestEvent, { id: number }>;

export interface TestPrimary {
  readonly pid: number;
  /** Every event received so far, in order. */
  readonly events: readonly TestEvent[];
  /** Sends a command and resolves with its reply; rejects on a 'failed' reply or after `boundMs`. */
  command<E extends Reply['event']>(
    command: WithoutId<TestCommand>,
    expected: E,
    boundMs?: number,
  ): Promise<Extract<TestEvent, { event: E }>>;
  /** Resolves with the first event, past or future, that matches; rejects after `boundMs`. */
  waitFor<T extends TestEvent>(match: (event: TestEvent) => event is T, boundMs?: number): Promise<T>;
  waitFor(match: (event: TestEvent) => boolean, boundMs?: number): Promise<TestEvent>;
  /** Every worker pid it forked. */
  workerPids(): number[];
  /** What the primary and its workers printed (for failure messages). */
  output(): string;
  /**
   * Stops the primary (it SIGKILLs its workers first) and returns the pids, primary included, that were
   * still alive 2 s later (and have now been killed). An empty array is the only good answer.
   */
  shutdown(): Promise<number[]>;
}

/**
 * Forks the test primary with this Node (24, under mocha via npx), never the system one. `scheduling` picks
 * its cluster policy through NODE_CLUSTER_SCHED_POLICY, read once when node:cluster loads in the primary.
 */
export function startTestPrimary({
  scheduling = 'round-robin',
}: {
  scheduling?: 'round-robin' | 'os';
} = {}): TestPrimary {
  const child: ChildProcess = fork(PRIMARY, [], {
    execPath: process.execPath,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, NODE_CLUSTER_SCHED_POLICY: scheduling === 'os' ? 'none' : 'rr' },
  });
  const pid = child.pid ?? -1;
  const events: TestEvent[] = [];
  const waiters = new Set<(event: TestEvent) => void>();
  let printed = '';
  let nextId = 1;
  child.stdout?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  child.on('message', (event: TestEvent) => {
    events.push(event);
    for (const waiter of waiters) waiter(event);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  function waitFor(match: (event: TestEvent) => boolean, boundMs = 15_000): Promise<TestEvent> {
    const seen = events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching event within ${boundMs} ms; output:\n${printed}`));
      }, boundMs);
      const waiter = (event: TestEvent): void => {
        if (!match(event)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(event);
      };
      waiters.add(waiter);
    });
  }

  return {
    pid,
    events,
    async command(command, expected, boundMs = 30_000) {
      const id = nextId++;
      child.send({ ...command, id });
      const reply = await waitFor((event) => 'id' in event && event.id === id, boundMs);
      if (reply.event === 'failed')
        throw new Error(`test primary failed: ${reply.error}\noutput:\n${printed}`);
      if (reply.event !== expected) throw new Error(`expected '${expected}', got '${reply.event}'`);
      return reply as never;
    },
    waitFor: waitFor as TestPrimary['waitFor'],
    workerPids: () => events.flatMap((event) => (event.event === 'forked' ? [event.pid] : [])),
    output: () => printed,
    async shutdown() {
      if (child.exitCode === null && child.signalCode === null && child.connected) {
        child.send({ cmd: 'stop', id: nextId++ });
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      return reapAll([pid, ...events.flatMap((event) => (event.event === 'forked' ? [event.pid] : []))]);
    },
  };
}
