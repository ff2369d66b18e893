import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killTagged, TEST_TAG_VAR, waitUntilGone } from './tagged-processes.ts';

export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface UpOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** The CLI script to run instead of the sources' `src/cli/main.ts`, e.g. the built `dist/cli/main.js`. */
  readonly cli?: string;
  /** A command that runs Node, e.g. `['taskset', '-c', '0']` (it must exec Node in place, keeping the pid). */
  readonly prefix?: readonly string[];
}

/** One JSON log line of the primary (its own records and its workers' lines). */
export type LogRecord = Record<string, unknown> & { msg?: string };

/**
 * A real `orchestrator up` process for integration tests: started under this Node (24), its JSON log lines
 * collected, with waits bounded in time and a `cleanup()` that leaves no process of it behind.
 */
export class UpProcess {
  readonly tag = randomUUID();
  readonly records: LogRecord[] = [];
  readonly raw: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<() => void> = [];

  constructor(args: readonly string[], options: UpOptions) {
    const [command, ...prefixArgs] = [...(options.prefix ?? []), process.execPath];
    this.child = spawn(command ?? process.execPath, [...prefixArgs, options.cli ?? CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, [TEST_TAG_VAR]: this.tag, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const streamsClosed = [this.child.stdout, this.child.stderr].map((stream) => {
      if (!stream) return Promise.resolve();
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => this.#take(line));
      // A stream the test destroyed (a reader that went away) closes without an 'end' for readline.
      return new Promise<void>((resolve) => {
        lines.once('close', () => resolve());
        stream.once('close', () => resolve());
      });
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        // Resolve only when the output is complete: the last lines arrive after 'exit'.
        void Promise.all(streamsClosed).then(() => resolve({ code, signal }));
      });
    });
  }

  static start(configFile: string, options: UpOptions): UpProcess {
    return new UpProcess(['up', '-c', configFile], options);
  }

  #take(line: string): void {
    this.raw.push(line);
    if (line.startsWith('{')) {
      try {
        this.records.push(JSON.parse(line) as LogRecord);
      } catch {
        // Not a JSON record: kept in `raw` only.
      }
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves with the first record (from the start) that matches, or rejects after `timeoutMs`. */
  async waitFor(
    match: (record: LogRecord) => boolean,
    timeoutMs = 15_000,
    what = 'a log record',
  ): Promise<LogRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null) {
        throw new Error(`timed out waiting for ${what}; last output:\n${this.raw.slice(-30).join('\n')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Counts the records that match (from the start). */
  count(match: (record: LogRecord) => boolean): number {
    return this.records.filter(match).length;
  }

  waitForMessage(msg: string, timeoutMs?: number): Promise<LogRecord> {
    return this.waitFor((record) => record.msg === msg, timeoutMs, `"${msg}"`);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /**
   * Stops this run the way an operator would (SIGTERM to the primary), then reports every process of it
   * still alive 3 s after the primary exited (orphans) and kills them, so no test leaves anything behind.
   */
  async cleanup(): Promise<{ leftovers: number[] }> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const stopped = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000)),
      ]);
      if (!stopped) this.child.kill('SIGKILL');
      await this.exited;
    }
    const leftovers = await waitUntilGone(this.tag, 3000);
    killTagged(this.tag);
    await waitUntilGone(this.tag, 5000);
    return { leftovers };
  }
}
