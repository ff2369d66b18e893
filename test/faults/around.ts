/**
 * The "around the primary" row of the fault matrix: what happens to a running cluster when the things around
 * its primary go wrong, rather than a process of it: its control socket file removed, its config's folder
 * removed or renamed away, and few file descriptors for the whole process tree. (The primary's stdout closed
 * is the matrix's primary/close-stdio row.) Each cell runs on its own `orchestrator up`, under keep-alive load,
 * and checks that no process outlives it.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { CONFIG_GONE } from '../../src/primary/run-cluster.ts';
import type { StatusJson } from '../../src/primary/status.ts';
import { orchestrator } from '../helpers/cli.ts';
import { app } from '../helpers/cluster-dir.ts';
import { openFilesLimit, openStorm } from '../helpers/fd-storm.ts';
import { freePort } from '../helpers/free-port.ts';
import { getJson, type LoadResult } from '../helpers/load.ts';
import { Run, sampleTruth, sleep, startLoad, waitFor } from './harness.ts';

export type AroundFault = 'socket-removed' | 'config-folder-removed' | 'config-folder-renamed' | 'few-fds';
export const AROUND: readonly AroundFault[] = [
  'socket-removed',
  'config-folder-removed',
  'config-folder-renamed',
  'few-fds',
];

export interface AroundResult {
  readonly around: AroundFault;
  /** What must happen, in words (the page's "outcome" column). */
  readonly expected: string;
  /** What the primary logged that the cell is about (distinct messages). */
  readonly events: readonly string[];
  /**
   * From the fault to the cluster working as before: the socket answering a new connection again; the saved
   * edit applied (from the save, once the file is back); both workers serving again (from the storm's end).
   */
  readonly convergeMs: number | null;
  /** Failed requests of the keep-alive load (4 connections, 100 requests/s) while the cell ran. */
  readonly lost: number;
  readonly lostBound: number;
  /** What else the cell measured, for the page. */
  readonly measured: string;
  readonly problems: readonly string[];
}

export const AROUND_EXPECTED: Record<AroundFault, string> = {
  'socket-removed':
    'the primary listens at the path again (checked every second), never over another primary that answers there; a command in between exits 3 at once naming the path',
  'config-folder-removed':
    'nothing running changes; one line logged; `status` shows the file gone; `reload` exits 1 (file not found), changing nothing; once the file is back, a saved edit is applied',
  'config-folder-renamed': 'as removed; an edit in the folder renamed away is not applied',
  'few-fds':
    '`ulimit -n 64` for every process: starts, 2 workers serve; 120 connections held open: workers survive (connections over the limit are closed), `status` answers, both workers serve again after; a saved edit is applied; SIGTERM exits 0',
};

const SETTLE_MS = 30_000;
const CONNECTIONS = 4;

function webConfig(port: number, count = 2): unknown {
  return {
    groups: {
      web: {
        entry: app('http-info.ts'),
        count,
        env: { PORT: String(port) },
        shutdown: { timeoutMs: 5000 },
      },
    },
  };
}

const web = (s: StatusJson | null) => s?.groups.find((g) => g.name === 'web');
const readyPids = (s: StatusJson | null): number[] =>
  (web(s)?.workers ?? []).flatMap((w) => (w.state === 'ready' && w.pid !== null ? [w.pid] : []));
const atStrength = (s: StatusJson | null, count: number) =>
  web(s)?.state === 'running' && readyPids(s).length === count && web(s)?.workers.length === count;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs one cell on its own `up`; leftovers and failures become its problems. */
export async function runAround(fault: AroundFault): Promise<AroundResult> {
  const port = await freePort();
  const count = 2;
  const run = new Run(
    webConfig(port, count),
    fault === 'few-fds' ? { prefix: ['prlimit', '--nofile=64:64'] } : {},
  );
  const problems: string[] = [];
  let outcome: Outcome = {
    convergeMs: null,
    lost: 0,
    lostBound: 0,
    measured: '',
    problems: [],
  };
  const from = run.up.records.length;
  try {
    await run.up.waitForMessage('cluster ready', 60_000);
    const start = await run.until((s) => atStrength(s, count), SETTLE_MS);
    if (start === null) throw new Error(`${fault}: the cluster never settled`);
    switch (fault) {
      case 'socket-removed':
        outcome = await socketRemoved(run, port, start);
        break;
      case 'config-folder-removed':
      case 'config-folder-renamed':
        outcome = await configFolderGone(run, port, start, fault === 'config-folder-renamed');
        break;
      case 'few-fds':
        outcome = await fewFds(run, port, start);
        break;
    }
  } catch (error) {
    problems.push(String((error as Error).stack ?? error));
  } finally {
    // The cells that move the folder away put it back, so the run's own clean-up finds it.
    if (existsSync(moved(run))) {
      rmSync(run.dir.path, { recursive: true, force: true });
      renameSync(moved(run), run.dir.path);
    }
    const leftovers = await run.cleanup();
    if (leftovers.length > 0) problems.push(`processes outlived the run: ${leftovers.join(', ')}`);
  }
  return {
    around: fault,
    expected: AROUND_EXPECTED[fault],
    events: eventsOf(run, from),
    ...outcome,
    problems: [...outcome.problems, ...problems],
  };
}

const moved = (run: Run) => `${run.dir.path}.moved`;

/** The primary's records this row is about, by message. */
function eventsOf(run: Run, from: number): string[] {
  const seen = new Set<string>();
  for (const r of run.up.records.slice(from)) {
    const msg = typeof r.msg === 'string' ? r.msg : '';
    if (
      msg.startsWith('control socket') ||
      msg === CONFIG_GONE ||
      msg.startsWith('config error cleared') ||
      msg === 'config applied' ||
      msg === 'reload refused: the config has errors; nothing was changed' ||
      msg.startsWith('a connection could not be handed') ||
      /uncaught|internal error/i.test(msg)
    )
      seen.add(msg);
    if (typeof r.msg === 'string' && r.msg.includes('heartbeat: reading the memory use failed'))
      seen.add('heartbeat: reading the memory use failed (EMFILE), said once');
  }
  return [...seen];
}

const untruths = (lies: readonly string[]) =>
  lies.length > 0 ? [`status was wrong: ${lies.slice(0, 3).join('; ')}`] : [];
const failures = (load: LoadResult) =>
  load.failed > 0 ? [`${load.failed} failed requests: ${JSON.stringify(load.reasons)}`] : [];

type Outcome = Omit<AroundResult, 'around' | 'expected' | 'problems' | 'events'> & { problems: string[] };

/** `rm` of the control socket file while the cluster serves. */
async function socketRemoved(run: Run, port: number, start: StatusJson): Promise<Outcome> {
  const problems: string[] = [];
  const load = startLoad(port, CONNECTIONS);
  const truth = sampleTruth(run);
  await sleep(300);
  const pids = readyPids(start);

  rmSync(run.socket);
  const removedAt = Date.now();
  // A command at any moment gets an answer or a clear error, never a hang.
  const early = await orchestrator(['status', '-c', run.dir.configFile], run.dir.path, 20_000);
  const earlyMs = Date.now() - removedAt;
  if (early.code === null) problems.push('`status` right after the removal hung');
  else if (early.code !== 0 && !(early.code === 3 && early.stderr.includes(run.socket)))
    problems.push(`\`status\` right after the removal: exit ${early.code}, ${early.stderr.trim()}`);
  const back = await waitFor(async () => ((await run.status(2000, true)) === null ? null : true), 15_000);
  const convergeMs = back === null ? null : Date.now() - removedAt;
  if (back === null) problems.push('the control socket did not answer again within 15 s');
  const cli = await orchestrator(['status', '--json', '-c', run.dir.configFile], run.dir.path, 20_000);
  if (cli.code !== 0) problems.push(`\`orchestrator status\` after: exit ${cli.code}, ${cli.stderr.trim()}`);
  // Sampled up to here: from now on another process answers at the path for a while.
  const checked = await truth.stop();

  // Another process answering at the path (a second `up` of this config started meanwhile) is left alone.
  rmSync(run.socket, { force: true });
  const other = createServer((_request, response) => response.end('{"other":true}'));
  await new Promise<void>((resolve) => other.listen(run.socket, resolve));
  const said = await run.up
    .waitFor((r) => r.msg === 'control socket: cannot listen at its path again', 10_000, 'the refusal')
    .then(() => true)
    .catch(() => false);
  if (!said) problems.push('nothing said about the other process answering at the path');
  await sleep(1500);
  const answer = await getJsonOverSocket(run.socket);
  if (answer?.other !== true) problems.push('the primary took the path from a process answering there');
  await new Promise<void>((resolve) => other.close(() => resolve()));
  rmSync(run.socket, { force: true });
  const again = await waitFor(async () => ((await run.status(2000, true)) === null ? null : true), 15_000);
  if (again === null) problems.push('the control socket did not answer again once the other process left');
  if (existsSync(run.socket) && !lstatSync(run.socket).isSocket()) problems.push('the path is not a socket');

  const loadResult = await load.stop();
  const end = await run.status();
  if (JSON.stringify(readyPids(end).sort()) !== JSON.stringify([...pids].sort()))
    problems.push(`workers were replaced: ${pids} -> ${readyPids(end)}`);
  problems.push(...untruths(checked.lies), ...failures(loadResult));
  return {
    convergeMs,
    lost: loadResult.failed,
    lostBound: 0,
    measured: `\`status\` right after the rm: exit ${early.code} in ${earlyMs} ms; ${checked.unanswered} of ${checked.samples} status samples unanswered`,
    problems,
  };
}

/** GET / on a Unix socket as JSON, or null. */
function getJsonOverSocket(socketPath: string): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/', agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(text) as Record<string, unknown>);
        } catch {
          resolve(null);
        }
      });
    });
    req.setTimeout(3000, () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/**
 * `rm -rf` (or `mv` away) of the folder holding cluster.config.json, which is also the primary's working
 * folder (as when `up` runs in the project folder); later the folder and file come back and an edit is saved.
 */
async function configFolderGone(
  run: Run,
  port: number,
  start: StatusJson,
  rename: boolean,
): Promise<Outcome> {
  const problems: string[] = [];
  const load = startLoad(port, CONNECTIONS);
  const truth = sampleTruth(run);
  await sleep(300);
  const pids = readyPids(start);
  const generation = start.config.generation;
  const configText = readFileSync(run.dir.configFile, 'utf8');
  const from = run.up.records.length;

  const cpuBefore = cpuSeconds(run.pid);
  if (rename) renameSync(run.dir.path, moved(run));
  else rmSync(run.dir.path, { recursive: true, force: true });
  const goneAt = Date.now();
  const told = await waitFor(async () => {
    const s = await run.status();
    return s?.config.error?.includes(CONFIG_GONE) ? s : null;
  }, 10_000);
  const toldMs = Date.now() - goneAt;
  if (told === null)
    problems.push(`status never said the file is gone: ${JSON.stringify((await run.status())?.config)}`);
  // No busy loop while it is gone: the primary idles (bound generous for a busy machine).
  await sleep(3000);
  const cpu = cpuSeconds(run.pid) - cpuBefore;
  if (cpu > 1.5) problems.push(`the primary used ${cpu.toFixed(2)} s of CPU in ~3 s with the folder gone`);
  const lines = run.up.records.slice(from).filter((r) => r.msg === CONFIG_GONE);
  if (lines.length !== 1 || lines[0]?.file !== run.dir.configFile)
    problems.push(`expected one "config file gone" line naming the file, got ${JSON.stringify(lines)}`);

  const reload = await orchestrator(['reload', '-c', run.dir.configFile], '/', 30_000);
  if (reload.code !== 1 || !/file not found/.test(reload.stderr))
    problems.push(`reload with the file gone: exit ${reload.code}, ${reload.stderr.trim()}`);
  if (rename) {
    // Saved in the folder renamed away: not the config's path any more, so not applied.
    writeFileSync(`${moved(run)}/cluster.config.json`, configText.replace('"count": 2', '"count": 1'));
    await sleep(2000);
  }
  const during = await run.status();
  if (during?.config.generation !== generation)
    problems.push('the config generation changed while the file was gone');
  if (JSON.stringify(readyPids(during).sort()) !== JSON.stringify([...pids].sort()))
    problems.push(`workers changed while the file was gone: ${pids} -> ${readyPids(during)}`);

  // The folder and file come back: watching resumes, and a saved edit is applied.
  if (rename) {
    writeFileSync(`${moved(run)}/cluster.config.json`, configText);
    renameSync(moved(run), run.dir.path);
  } else {
    mkdirSync(run.dir.path);
    // The fault module preloaded into every process of the run (the config loader too) writes there.
    mkdirSync(run.faultDir);
    writeFileSync(run.dir.configFile, configText);
  }
  const cleared = await run.until((s) => s.config.error === null, 15_000);
  if (cleared === null) problems.push('the error did not clear once the file was back');
  const editedAt = Date.now();
  writeFileSync(run.dir.configFile, configText.replace('"count": 2', '"count": 3'));
  const applied = await run.until((s) => atStrength(s, 3), SETTLE_MS);
  const convergeMs = applied === null ? null : Date.now() - editedAt;
  if (applied === null) problems.push(`the edit was not applied: ${JSON.stringify(web(await run.status()))}`);
  else if (!pids.every((pid) => readyPids(applied).includes(pid)))
    problems.push('running workers were replaced');

  const checked = await truth.stop();
  const loadResult = await load.stop();
  problems.push(...untruths(checked.lies), ...failures(loadResult));
  return {
    convergeMs,
    lost: loadResult.failed,
    lostBound: 0,
    measured: `status told within ${told === null ? '-' : `${(toldMs / 1000).toFixed(1)} s`}; primary CPU while gone ${cpu.toFixed(2)} s / 3 s; reload exit ${reload.code}; edit applied ${convergeMs === null ? '-' : `${(convergeMs / 1000).toFixed(1)} s`} after the save`,
    problems,
  };
}

/** `ulimit -n 64` for the whole tree, then 120 connections held open while keep-alive load runs. */
async function fewFds(run: Run, port: number, start: StatusJson): Promise<Outcome> {
  const problems: string[] = [];
  const pids = readyPids(start);
  for (const pid of [run.pid, ...pids])
    if (openFilesLimit(pid) !== 64) problems.push(`process ${pid} has an fd limit of ${openFilesLimit(pid)}`);
  const load = startLoad(port, CONNECTIONS);
  await sleep(300);

  const held = await openStorm(port, 120);
  // While the workers are out of descriptors: status answers, or fails at once (never hangs).
  const askedAt = Date.now();
  const during = await run.status(5000);
  const duringMs = Date.now() - askedAt;
  if (during === null && duringMs > 4000) problems.push('`status` hung during the storm');
  // Held over two heartbeats (1 s apart): each samples the memory use while the fds are gone.
  await sleep(2500);
  held.release();
  const releasedAt = Date.now();

  // Afterwards: status answers and both workers serve again (none was taken out of rotation).
  const answeredBy = new Set<number>();
  const recovered = await waitFor(async () => {
    if ((await run.status(2000)) === null) return null;
    try {
      answeredBy.add((await getJson<{ pid: number }>(`http://127.0.0.1:${port}/`)).pid);
    } catch {
      return null;
    }
    return pids.every((pid) => answeredBy.has(pid)) ? true : null;
  }, 20_000);
  const convergeMs = recovered === null ? null : Date.now() - releasedAt;
  if (recovered === null)
    problems.push(`not serving from both workers after the storm (answered by ${[...answeredBy]})`);
  if (run.up.count((r) => r.msg === 'worker exited') > 0) problems.push('a worker exited');

  // The config watcher and loader still work with 64 fds: a saved edit is applied.
  const configText = readFileSync(run.dir.configFile, 'utf8');
  writeFileSync(run.dir.configFile, configText.replace('"count": 2', '"count": 3'));
  const applied = await run.until((s) => atStrength(s, 3), SETTLE_MS);
  if (applied === null) problems.push(`the edit was not applied: ${JSON.stringify(web(await run.status()))}`);

  const loadResult = await load.stop();
  if (loadResult.failed > 0)
    problems.push(
      `${loadResult.failed} failed requests on the keep-alive load: ${JSON.stringify(loadResult.reasons)}`,
    );

  // SIGTERM completes.
  run.up.signal('SIGTERM');
  const exited = await Promise.race([run.up.exited, sleep(SETTLE_MS).then(() => null)]);
  if (exited?.code !== 0) problems.push(`SIGTERM: ${JSON.stringify(exited)}`);
  return {
    convergeMs,
    lost: loadResult.failed,
    lostBound: 0,
    measured: `storm: ${held.opened} connections, ${held.answered} answered before the workers ran out; \`status\` during it: ${during === null ? 'no answer' : 'answered'} in ${duringMs} ms`,
    problems,
  };
}
