/**
 * The three contenders, started the same way: the same hello-world app (bench/apps/hello.cjs), the same
 * worker count, on 127.0.0.1:PORT. `start` resolves once every worker listens (each worker appends its pid to
 * a READY_FILE; that is the one readiness signal all three share). Every process a start creates carries a
 * tag in its environment, so `stop` can prove that nothing outlived it and kill what did.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killTagged, TEST_TAG_VAR, waitUntilGone } from '../../test/helpers/tagged-processes.ts';
import { CLI as SOURCE_CLI, UpProcess } from '../../test/helpers/up-process.ts';
import { childPids, onCleanup, until } from './procs.ts';

export type ContenderName = 'raw' | 'pm2' | 'orchestrator';
export const CONTENDERS: readonly ContenderName[] = ['raw', 'pm2', 'orchestrator'];

export const HELLO_APP = fileURLToPath(new URL('../apps/hello.cjs', import.meta.url));
const RAW_PRIMARY = fileURLToPath(new URL('../contenders/raw-cluster.mjs', import.meta.url));
const PM2_BIN = fileURLToPath(new URL('../../node_modules/pm2/bin/pm2', import.meta.url));
const DIST_CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * The orchestrator runs from the build (what users run) when there is one, else from the sources; set
 * BENCH_FROM_SOURCE=1 to force the sources. `npm run bench` builds first.
 */
export const ORCHESTRATOR_CLI =
  process.env.BENCH_FROM_SOURCE !== '1' && existsSync(DIST_CLI) ? DIST_CLI : SOURCE_CLI;

export interface StartOptions {
  readonly workers: number;
  readonly port: number;
  /**
   * Respawn a killed worker at once and never give up (the respawn and crash scenarios kill workers on
   * purpose, far more often than any crash-loop guard allows). Raw cluster does this anyway.
   */
  readonly crashTolerant?: boolean;
  /** Orchestrator only: extra keys for the group (merged over the defaults above). */
  readonly group?: Record<string, unknown>;
  /** Orchestrator only: extra top-level config keys (e.g. `metrics`). */
  readonly top?: Record<string, unknown>;
}

export interface Running {
  readonly name: ContenderName;
  readonly url: string;
  /** The process that owns the listening socket and supervises the workers (PM2: its daemon). */
  readonly primaryPid: number;
  /** Pids of the workers that have listened so far, in order (the READY_FILE). */
  listenedPids(): number[];
  workerPids(): number[];
  /** A rolling reload of every worker; resolves when the contender says it is done. */
  reload(): Promise<void>;
  /** Stops everything; resolves with the pids still alive 3 s after the stop (then killed). */
  stop(): Promise<number[]>;
}

export interface OrchestratorRunning extends Running {
  readonly up: UpProcess;
  readonly configFile: string;
  /** The group config written for this run: edit a copy and `writeConfig` it to hot-apply. */
  readonly config: { groups: { web: Record<string, unknown> } };
  writeConfig(config: unknown): void;
}

export function start(name: ContenderName, options: StartOptions): Promise<Running> {
  switch (name) {
    case 'raw':
      return startRaw(options);
    case 'pm2':
      return startPm2(options);
    case 'orchestrator':
      return startOrchestrator(options);
  }
}

interface Scratch {
  readonly dir: string;
  readonly readyFile: string;
  readonly tag: string;
  listened(): number[];
}

function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrator-bench-'));
  const readyFile = join(dir, 'listening.txt');
  writeFileSync(readyFile, '');
  return {
    dir,
    readyFile,
    tag: randomUUID(),
    listened: () =>
      readFileSync(readyFile, 'latin1')
        .split('\n')
        .filter((line) => line !== '')
        .map(Number),
  };
}

const START_TIMEOUT_MS = 60_000;

function awaitListening(s: Scratch, workers: number): Promise<void> {
  return until(
    `${workers} workers listening`,
    () => (s.listened().length >= workers ? true : undefined),
    START_TIMEOUT_MS,
    5,
  ).then(() => undefined);
}

/** Kills what is left of a run (by tag) and removes its scratch folder; returns the processes that were left. */
async function sweep(s: Scratch, graceMs: number): Promise<number[]> {
  const left = await waitUntilGone(s.tag, graceMs);
  killTagged(s.tag);
  await waitUntilGone(s.tag, 5000);
  rmSync(s.dir, { recursive: true, force: true });
  return left;
}

async function startRaw(options: StartOptions): Promise<Running> {
  const s = scratch();
  const child = spawn(process.execPath, [RAW_PRIMARY], {
    env: {
      ...process.env,
      WORKERS: String(options.workers),
      PORT: String(options.port),
      READY_FILE: s.readyFile,
      [TEST_TAG_VAR]: s.tag,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const events: string[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    try {
      events.push((JSON.parse(line) as { event: string }).event);
    } catch {
      // Not one of ours.
    }
  });
  const stop = onCleanup(async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  });
  await until('raw cluster ready', () => (events.includes('ready') ? true : undefined), START_TIMEOUT_MS, 5);
  await awaitListening(s, options.workers);
  const pid = child.pid as number;
  return {
    name: 'raw',
    url: `http://127.0.0.1:${options.port}/`,
    primaryPid: pid,
    listenedPids: s.listened,
    workerPids: () => childPids(pid),
    async reload() {
      const before = events.filter((e) => e === 'reloaded').length;
      child.kill('SIGHUP');
      await until(
        'the raw reload',
        () => (events.filter((e) => e === 'reloaded').length > before ? true : undefined),
        START_TIMEOUT_MS,
        5,
      );
    },
    async stop() {
      await stop();
      return sweep(s, 3000);
    },
  };
}

function pm2(home: string, tag: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [PM2_BIN, ...args],
      { env: { ...process.env, ...env, PM2_HOME: home, [TEST_TAG_VAR]: tag }, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`pm2 ${args.join(' ')}: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** PM2's own daemon, started before the clock runs (users have one running already). */
async function startPm2Daemon(s: Scratch): Promise<{ home: string; pid: number; kill: () => Promise<void> }> {
  const home = join(s.dir, 'pm2-home');
  const kill = onCleanup(async () => {
    await pm2(home, s.tag, ['kill']).catch(() => undefined);
  });
  await pm2(home, s.tag, ['ping']);
  const pid = Number(readFileSync(join(home, 'pm2.pid'), 'latin1').trim());
  return { home, pid, kill };
}

export async function startPm2(
  options: StartOptions,
  onLaunch?: () => void,
): Promise<Running & { readonly pm2Home: string }> {
  const s = scratch();
  const daemon = await startPm2Daemon(s);
  const limits = options.crashTolerant ? ['--max-restarts', '1000000000'] : [];
  onLaunch?.();
  await pm2(
    daemon.home,
    s.tag,
    ['start', HELLO_APP, '-i', String(options.workers), '--name', 'bench', ...limits],
    {
      PORT: String(options.port),
      READY_FILE: s.readyFile,
    },
  );
  await awaitListening(s, options.workers);
  return {
    name: 'pm2',
    pm2Home: daemon.home,
    url: `http://127.0.0.1:${options.port}/`,
    primaryPid: daemon.pid,
    listenedPids: s.listened,
    workerPids: () => childPids(daemon.pid),
    async reload() {
      await pm2(daemon.home, s.tag, ['reload', 'bench']);
    },
    async stop() {
      await daemon.kill();
      return sweep(s, 3000);
    },
  };
}

export async function startOrchestrator(options: StartOptions): Promise<OrchestratorRunning> {
  const s = scratch();
  const configFile = join(s.dir, 'cluster.config.json');
  const web: Record<string, unknown> = {
    entry: HELLO_APP,
    count: options.workers,
    env: { PORT: String(options.port), READY_FILE: s.readyFile },
    ...(options.crashTolerant
      ? { backoff: { strategy: 'none' }, restart: { maxRestarts: 1_000_000_000, windowMs: 60_000 } }
      : {}),
    ...options.group,
  };
  const config = { ...options.top, groups: { web } };
  const writeConfig = (next: unknown): void =>
    writeFileSync(configFile, `${JSON.stringify(next, null, 2)}\n`);
  writeConfig(config);
  // UpProcess tags the run with its own id and its cleanup() reports (and kills) what outlived the primary.
  const up = UpProcess.start(configFile, { cwd: s.dir, cli: ORCHESTRATOR_CLI });
  let leftovers: number[] = [];
  const stop = onCleanup(async () => {
    leftovers = (await up.cleanup()).leftovers;
  });
  await up.waitForMessage('cluster ready', START_TIMEOUT_MS);
  await awaitListening(s, options.workers);
  const pid = up.child.pid as number;
  const reloadsFinished = (): number => up.count((r) => r.msg === 'rollout finished');
  const reloadsRefused = (): number => up.count((r) => String(r.msg).startsWith('reload refused'));
  return {
    name: 'orchestrator',
    up,
    configFile,
    config,
    writeConfig,
    url: `http://127.0.0.1:${options.port}/`,
    primaryPid: pid,
    listenedPids: s.listened,
    workerPids: () => childPids(pid),
    async reload() {
      const before = reloadsFinished();
      const refusedBefore = reloadsRefused();
      up.signal('SIGHUP');
      await up.waitFor(
        () => reloadsFinished() > before || reloadsRefused() > refusedBefore,
        120_000,
        'the reload to finish',
      );
      if (reloadsRefused() > refusedBefore) throw new Error('reload refused: the config has errors');
    },
    async stop() {
      await stop();
      await sweep(s, 0);
      return leftovers;
    },
  };
}
