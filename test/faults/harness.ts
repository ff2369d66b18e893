/**
 * What a fault-matrix cell needs around a real `orchestrator up`: its status read straight from the control
 * socket (bounded, no CLI process per sample), faults committed in a chosen process, the run's processes
 * found by their test tag, keep-alive load that can be stopped, and a sampler that checks `status` against
 * the processes that really exist at every step.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { controlSocketPath } from '../../src/primary/control/socket-path.ts';
import type { StatusJson } from '../../src/primary/status.ts';
import { ClusterDir } from '../helpers/cluster-dir.ts';
import { type LoadResult, runLoad } from '../helpers/load.ts';
import { processesTagged } from '../helpers/tagged-processes.ts';
import { type LogRecord, UpProcess } from '../helpers/up-process.ts';

const INJECT = new URL('./inject.ts', import.meta.url);

export type FaultKind =
  | 'sigkill'
  | 'sigstop'
  | 'exit0'
  | 'exit1'
  | 'disconnect'
  | 'close-stdio'
  | 'throw'
  | 'block';

export const FAULTS: readonly FaultKind[] = [
  'sigkill',
  'sigstop',
  'exit0',
  'exit1',
  'disconnect',
  'close-stdio',
  'throw',
  'block',
];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms until it returns a value; that value, or null after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | null> | T | null,
  timeoutMs: number,
): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    await sleep(50);
  }
  return null;
}

/** One `orchestrator up` of the matrix, with the folder it runs in. */
export class Run {
  readonly dir = new ClusterDir();
  readonly faultDir = join(this.dir.path, 'faults');
  readonly up: UpProcess;
  readonly socket: string;

  /**
   * `throwFirst`: the first process of that role throws at import time. `prefix`: a command that execs Node
   * in place (e.g. `prlimit --nofile=64:64`), for the whole process tree.
   */
  constructor(
    config: unknown,
    options: { throwFirst?: 'primary' | 'helper' | 'worker'; prefix?: readonly string[] } = {},
  ) {
    mkdirSync(this.faultDir);
    if (options.throwFirst) writeFileSync(join(this.faultDir, `throw-${options.throwFirst}`), '');
    this.dir.writeConfig(config);
    this.socket = controlSocketPath(this.dir.configFile);
    this.up = UpProcess.start(this.dir.configFile, {
      cwd: this.dir.path,
      env: {
        NODE_OPTIONS:
          `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(INJECT.pathname).href}`.trim(),
        FAULT_DIR: this.faultDir,
      },
      ...(options.prefix ? { prefix: options.prefix } : {}),
    });
  }

  get pid(): number {
    return this.up.child.pid as number;
  }

  /**
   * GET /status on the control socket; null when it does not answer within `timeoutMs`. `fresh`: on a new
   * connection, as a command makes (a kept-alive one still reaches a primary whose socket file is gone).
   */
  status(timeoutMs = 3000, fresh = false): Promise<StatusJson | null> {
    return new Promise((resolve) => {
      const options = { socketPath: this.socket, path: '/status', method: 'GET' };
      const req = request(fresh ? { ...options, agent: false } : options, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(text) as StatusJson);
          } catch {
            resolve(null);
          }
        });
        response.on('error', () => resolve(null));
      });
      req.setTimeout(timeoutMs, () => req.destroy());
      req.on('error', () => resolve(null));
      req.end();
    });
  }

  /** POSTs a control request (scale, reload) without waiting for a roll to finish. */
  control(path: string, body: unknown): Promise<number> {
    return new Promise((resolve) => {
      const req = request(
        { socketPath: this.socket, path, method: 'POST', headers: { 'content-type': 'application/json' } },
        (response) => {
          resolve(response.statusCode ?? 0);
          response.resume();
        },
      );
      req.setTimeout(5000, () => req.destroy());
      req.on('error', () => resolve(0));
      req.end(JSON.stringify(body));
    });
  }

  /** Polls status until `check` holds; returns it, or null after `timeoutMs`. */
  async until(check: (s: StatusJson) => boolean, timeoutMs: number): Promise<StatusJson | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = await this.status();
      if (s !== null && check(s)) return s;
      await sleep(100);
    }
    return null;
  }

  /**
   * Commits `fault` in process `pid`: signals directly, the rest through the preloaded inject module (once
   * its handler is installed: a process just forked may not have run it yet).
   */
  async commit(pid: number, fault: FaultKind | `block:${number}`): Promise<void> {
    if (fault === 'sigkill' || fault === 'sigstop') {
      process.kill(pid, fault === 'sigkill' ? 'SIGKILL' : 'SIGSTOP');
      return;
    }
    const armed = join(this.faultDir, `armed-${pid}`);
    const deadline = Date.now() + 10_000;
    while (!existsSync(armed)) {
      if (Date.now() > deadline) throw new Error(`process ${pid} never armed its fault handler`);
      await sleep(20);
    }
    writeFileSync(join(this.faultDir, String(pid)), fault);
    process.kill(pid, 'SIGURG');
  }

  /** The next process of `role` to start throws at import time (once). */
  throwNext(role: 'worker' | 'helper' | 'primary'): void {
    writeFileSync(join(this.faultDir, `throw-${role}`), '');
  }

  listening(pid: number): boolean {
    try {
      readFileSync(join(this.faultDir, `listening-${pid}`));
      return true;
    } catch {
      return false;
    }
  }

  /** Every live process of this run (primary, helpers, workers). */
  processes(): number[] {
    return processesTagged(this.up.tag);
  }

  /** The helper primary of the `os` group, if one runs. */
  helperPid(): number | null {
    for (const pid of this.processes()) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('host-process')) return pid;
      } catch {}
    }
    return null;
  }

  /** Log records since `from` (an index into up.records) worth a line in the results. */
  events(from: number): string[] {
    const seen = new Set<string>();
    for (const record of this.up.records.slice(from)) {
      if (typeof record.msg !== 'string') continue;
      if (INTERESTING.has(record.msg) || /helper|internal error|uncaught/i.test(record.msg))
        seen.add(record.msg);
    }
    return [...seen];
  }

  async cleanup(): Promise<number[]> {
    try {
      const { leftovers } = await this.up.cleanup();
      return leftovers;
    } finally {
      this.dir.remove();
    }
  }
}

const INTERESTING = new Set([
  'worker exited',
  'restart scheduled',
  'worker not restarted',
  'heartbeat missed',
  'ready timeout',
  'drain deadline passed',
  'reload aborted',
  'reload finished',
  'group failed',
  'group recovered',
  'shutdown complete',
  'shutdown escalated',
]);

/** Resident memory of a process in bytes (Linux /proc), or null. */
export function rssOf(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Keep-alive load on one port until stopped. */
export function startLoad(port: number, connections = 4): { stop(): Promise<LoadResult> } {
  const controller = new AbortController();
  const done = runLoad({
    url: `http://127.0.0.1:${port}/`,
    connections,
    rate: 100,
    durationMs: 300_000,
    maxRequests: 1_000_000,
    timeoutMs: 8000,
    signal: controller.signal,
  });
  return {
    async stop() {
      controller.abort();
      return await done;
    },
  };
}

/**
 * Samples status every ~150 ms while a cell runs and records where it does not tell the truth: a worker
 * shown alive (starting, ready or draining) whose process has been gone for longer than `lagMs`, or a group
 * whose `ready` count disagrees with its workers. A status that does not answer is counted apart (a stopped
 * primary cannot answer).
 */
export function sampleTruth(run: Run, lagMs = 1000) {
  let stop = false;
  const lies: string[] = [];
  let unanswered = 0;
  let samples = 0;
  const deadSince = new Map<number, number>();
  const loop = (async () => {
    while (!stop) {
      const s = await run.status(2000);
      const at = Date.now();
      samples += 1;
      if (s === null) unanswered += 1;
      else {
        for (const g of s.groups) {
          const ready = g.workers.filter((w) => w.state === 'ready').length;
          if (ready !== g.ready) lies.push(`${g.name}: ready ${g.ready} but ${ready} workers ready`);
          for (const w of g.workers) {
            if (w.pid === null || w.state === 'stopped' || w.state === 'backoff') continue;
            if (alive(w.pid)) continue;
            const since = deadSince.get(w.pid) ?? at;
            deadSince.set(w.pid, since);
            if (at - since > lagMs)
              lies.push(`${g.name}: pid ${w.pid} shown ${w.state}, gone for ${at - since} ms`);
          }
        }
      }
      await sleep(150);
    }
  })();
  return {
    async stop() {
      stop = true;
      await loop;
      return { lies: [...new Set(lies)], unanswered, samples };
    },
  };
}

export type { LogRecord };
