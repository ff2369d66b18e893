/**
 * The fault matrix: process x moment x fault -> what must happen. Cells that share a process and a moment run
 * on one `orchestrator up`, one after another (each from a settled cluster); a cell after which the run cannot
 * go on (the primary is gone, the cluster shut down) gets its own run.
 */
import type { StatusJson } from '../../src/primary/status.ts';
import { app } from '../helpers/cluster-dir.ts';
import { freePort } from '../helpers/free-port.ts';
import { alive, type FaultKind, Run, rssOf, sampleTruth, sleep, startLoad, waitFor } from './harness.ts';

export type ProcessKind = 'worker' | 'helper' | 'primary';
export type Moment =
  | 'booting'
  | 'waiting-ready'
  | 'serving'
  | 'reload-drain'
  | 'scale-down-drain'
  | 'shutdown'
  | 'backoff';

export const MOMENTS: readonly Moment[] = [
  'booting',
  'waiting-ready',
  'serving',
  'reload-drain',
  'scale-down-drain',
  'shutdown',
  'backoff',
];

export interface CellResult {
  readonly process: ProcessKind;
  readonly moment: Moment;
  readonly fault: FaultKind;
  /** What must happen, in words (the page's "outcome" column). */
  readonly expected: string;
  /** What the primary logged between the fault and the end (distinct messages). */
  readonly events: readonly string[];
  readonly convergeMs: number | null;
  /** Failed requests on the faulted group and on the groups that must not notice. */
  readonly lost: number;
  /**
   * Of those, connections refused: a helper's death takes every worker of its `os` group with it, and the
   * port refuses connections until new workers listen. Counted apart, not bounded (they fail fast, never hang).
   */
  readonly refused: number;
  readonly lostBound: number;
  readonly bystanderLost: number;
  readonly problems: readonly string[];
}

export interface Cell {
  readonly process: ProcessKind;
  readonly moment: Moment;
  readonly fault: FaultKind;
}

/** Why a cell does not exist, for the page. */
export function notApplicable(cell: Cell): string | null {
  const { process, moment, fault } = cell;
  if (fault === 'throw') {
    if (process === 'worker' && !['booting', 'reload-drain', 'backoff'].includes(moment))
      return 'a running worker has finished importing';
    if (process === 'helper' && !['booting', 'backoff'].includes(moment))
      return 'the helper imports once, when it starts';
    if (process === 'primary' && moment !== 'booting') return 'the primary imports once, when it starts';
  }
  if (process === 'primary' && fault === 'disconnect') return '`up` has no IPC channel to a parent';
  if (process === 'primary' && moment === 'booting' && fault === 'throw') return null;
  return null;
}

const SETTLE_MS = 30_000;
/** FAULT_VERBOSE=1: a line on stderr per step of every cell (to see where a cell is stuck). */
const trace = (...parts: unknown[]) => {
  if (process.env.FAULT_VERBOSE === '1') console.error(new Date().toISOString(), ...parts);
};
const CONNECTIONS = 4;
/** Kills that end a process outright (vs. hanging it, or leaving it running). */
const DEATHS: readonly FaultKind[] = ['sigkill', 'exit0', 'exit1', 'disconnect'];
const HANGS: readonly FaultKind[] = ['sigstop', 'block'];

interface Ports {
  readonly web: number;
  readonly side: number;
  readonly api: number;
}

/** The knobs that hold a worker in the cell's moment long enough to act then. */
function momentEnv(moment: Moment): Record<string, string> {
  switch (moment) {
    case 'booting':
      return { LISTEN_DELAY_MS: '2500' };
    case 'waiting-ready':
      return { READY_DELAY_MS: '2500' };
    case 'reload-drain':
    case 'scale-down-drain':
    case 'shutdown':
      return { DRAIN_MS: '2500' };
    default:
      return {};
  }
}

function baseCount(moment: Moment): number {
  return moment === 'backoff' ? 3 : 2;
}

function group(port: number, moment: Moment, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    entry: app('fault-app.ts'),
    // While slot 0 is in backoff another worker still serves: with none left, node:cluster closes a
    // round-robin port (connections refused) until one listens again.
    count: baseCount(moment),
    env: { PORT: String(port), ...momentEnv(moment) },
    ready: { on: moment === 'waiting-ready' ? 'message' : 'listening', timeoutMs: 6000 },
    backoff: { strategy: 'fixed', delayMs: moment === 'backoff' ? 3000 : 200 },
    restart: { maxRestarts: 1000, windowMs: 60_000 },
    health: { heartbeatTimeoutMs: 3000 },
    shutdown: { timeoutMs: 5000 },
    ...extra,
  };
}

/** The group the fault is about: `web` (round-robin) for worker and primary cells, `api` (os) for helper cells. */
function subjectOf(process: ProcessKind): 'web' | 'api' {
  return process === 'helper' ? 'api' : 'web';
}

function config(process: ProcessKind, moment: Moment, ports: Ports): unknown {
  const groups: Record<string, unknown> = {
    web: group(ports.web, process === 'helper' ? 'serving' : moment),
    side: group(ports.side, 'serving', { count: 1 }),
  };
  // Helper cells fault the helper of `api`; primary cells check the helper goes with the primary.
  if (process !== 'worker')
    groups.api = group(ports.api, process === 'helper' ? moment : 'serving', { scheduling: 'os' });
  return { groups };
}

const byName = (s: StatusJson, name: string) => s.groups.find((g) => g.name === name);

/** Every group running at `desired` (the subject at `subjectDesired`), nothing starting, draining or in backoff. */
function settled(s: StatusJson, subject: string, subjectDesired: number, minGeneration = 0): boolean {
  return s.groups.every((g) => {
    const desired = g.name === subject ? subjectDesired : g.desired;
    return (
      g.state === 'running' &&
      g.desired === desired &&
      g.ready === desired &&
      g.workers.length === desired &&
      g.workers.every((w) => w.state === 'ready' && (g.name !== subject || w.rollout >= minGeneration))
    );
  });
}

/** What must happen, for the page. */
export function expectedOutcome(cell: Cell): string {
  const { process, moment, fault } = cell;
  if (process === 'primary') {
    if (fault === 'throw') return 'exits 1 before forking anything';
    if (DEATHS.includes(fault)) return 'every worker and the helper gone within 2 s';
    if (fault === 'sigstop') return 'stopped 3 s then SIGCONT: carries on, no worker replaced';
    if (fault === 'block') return 'blocked 3 s: carries on, no worker replaced';
    return 'keeps running and serving; logs go nowhere';
  }
  const who = process === 'helper' ? 'helper restarted, `api` back with new workers' : null;
  if (fault === 'close-stdio') return 'nothing changes: it keeps running';
  if (process === 'worker' && fault === 'throw') {
    if (moment === 'reload-drain') return 'the new worker throws: roll aborted, old workers keep serving';
    return 'start fails, slot respawned after backoff';
  }
  if (process === 'helper' && fault === 'throw') return 'helper started again; `api` back at strength';
  if (moment === 'shutdown') return 'shutdown completes, exit 0, nothing left';
  const how = HANGS.includes(fault)
    ? moment === 'booting' || moment === 'waiting-ready'
      ? 'killed at ready timeout'
      : moment === 'reload-drain' || moment === 'scale-down-drain'
        ? 'killed at drain deadline'
        : 'killed when heartbeats stop'
    : 'exit seen at once';
  if (who) return `${who} (${how})`;
  if (moment === 'reload-drain' || moment === 'scale-down-drain') return `${how}; the drain/roll completes`;
  return `${how}; slot respawned`;
}

/**
 * Runs every cell of one process and moment. Returns one result per cell; a cell's problems are the checks
 * it failed (empty: green).
 */
export async function runScenario(
  process: ProcessKind,
  moment: Moment,
  faults: readonly FaultKind[],
): Promise<CellResult[]> {
  const results: CellResult[] = [];
  const shared = faults.filter((f) => !ownRun(process, moment, f));
  const own = faults.filter((f) => ownRun(process, moment, f));
  // A helper that dies more than 5 times a minute is given up on (by design): at most 4 helper faults a run.
  const chunk = process === 'helper' ? 4 : shared.length;
  for (let at = 0; at < shared.length; at += chunk)
    results.push(...(await withRun(process, moment, shared.slice(at, at + chunk))));
  for (const fault of own) results.push(...(await withRun(process, moment, [fault])));
  return results;
}

function ownRun(process: ProcessKind, moment: Moment, fault: FaultKind): boolean {
  if (moment === 'shutdown') return true;
  if (process === 'primary') return DEATHS.includes(fault) || fault === 'throw' || fault === 'close-stdio';
  return process === 'helper' && fault === 'throw' && moment === 'booting';
}

async function withRun(
  process: ProcessKind,
  moment: Moment,
  faults: readonly FaultKind[],
): Promise<CellResult[]> {
  const ports = { web: await freePort(), side: await freePort(), api: await freePort() };
  const bootThrow =
    faults.length === 1 && faults[0] === 'throw' && moment === 'booting' && process !== 'worker';
  const run = new Run(config(process, moment, ports), bootThrow ? { throwFirst: process } : {});
  const results: CellResult[] = [];
  const problemsOfRun: string[] = [];
  try {
    if (bootThrow && process === 'primary') {
      results.push(await primaryThrowsAtBoot(run, moment));
      return results;
    }
    if (bootThrow && process === 'helper') {
      results.push(await helperThrowsAtBoot(run, ports));
      return results;
    }
    await run.up.waitForMessage('cluster ready', 60_000);
    const rssStart = rssOf(run.pid);
    for (const fault of faults) results.push(await runCell(run, ports, { process, moment, fault }));
    const rssEnd = rssOf(run.pid);
    if (rssStart !== null && rssEnd !== null && rssEnd > rssStart + 64 * 1024 * 1024)
      problemsOfRun.push(`primary RSS grew from ${mb(rssStart)} to ${mb(rssEnd)}`);
  } finally {
    const leftovers = await run.cleanup();
    if (leftovers.length > 0) problemsOfRun.push(`processes outlived the run: ${leftovers.join(', ')}`);
  }
  if (problemsOfRun.length > 0 && results.length > 0) {
    const last = results.pop() as CellResult;
    results.push({ ...last, problems: [...last.problems, ...problemsOfRun] });
  }
  return results;
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

async function primaryThrowsAtBoot(run: Run, moment: Moment): Promise<CellResult> {
  const started = Date.now();
  const { code } = await run.up.exited;
  const problems: string[] = [];
  if (code !== 1) problems.push(`exit code ${code}, expected 1`);
  if (run.up.records.some((r) => r.msg === 'worker exited' || r.msg === 'cluster ready'))
    problems.push('forked workers');
  return {
    process: 'primary',
    moment,
    fault: 'throw',
    expected: expectedOutcome({ process: 'primary', moment, fault: 'throw' }),
    events: [`exit ${code}`],
    convergeMs: Date.now() - started,
    lost: 0,
    refused: 0,
    lostBound: 0,
    bystanderLost: 0,
    problems,
  };
}

async function helperThrowsAtBoot(run: Run, ports: Ports): Promise<CellResult> {
  const started = Date.now();
  const load = startLoad(ports.web, CONNECTIONS);
  const s = await run.until((st) => settled(st, 'api', 2), SETTLE_MS);
  const web = await load.stop();
  const problems: string[] = [];
  if (s === null) problems.push(`api never came back: ${JSON.stringify(await run.status())}`);
  problems.push(...(await orphanCheck(run)));
  return {
    process: 'helper',
    moment: 'booting',
    fault: 'throw',
    expected: expectedOutcome({ process: 'helper', moment: 'booting', fault: 'throw' }),
    events: run.events(0),
    convergeMs: s === null ? null : Date.now() - started,
    lost: 0,
    refused: 0,
    lostBound: 0,
    bystanderLost: web.failed,
    problems,
  };
}

/** Pids the run should have: the primary, its helper (if any) and every worker status shows alive. */
async function orphanCheck(run: Run): Promise<string[]> {
  const extra = await waitFor(async () => {
    const s = await run.status();
    if (s === null) return null;
    const expected = new Set<number>([run.pid]);
    const helper = run.helperPid();
    if (helper !== null) expected.add(helper);
    for (const g of s.groups) for (const w of g.workers) if (w.pid !== null) expected.add(w.pid);
    const stray = run.processes().filter((pid) => !expected.has(pid));
    return stray.length === 0 ? [] : null;
  }, 5000);
  return extra === null ? ['a process the status does not show is still alive (orphan)'] : [];
}

/** One cell on a settled run. */
async function runCell(run: Run, ports: Ports, cell: Cell): Promise<CellResult> {
  const { process, moment, fault } = cell;
  const subject = subjectOf(process);
  const bystander = subject === 'web' ? 'side' : 'web';
  const problems: string[] = [];
  const base = baseCount(moment);
  trace(process, moment, fault, 'waiting for a settled cluster');
  const baseline = await run.until((s) => settled(s, subject, base), SETTLE_MS);
  if (baseline === null) throw new Error(`${process}/${moment}: no settled cluster to start from`);
  const bystanderPids = (byName(baseline, bystander)?.workers ?? []).map((w) => w.pid);
  const generation = Math.max(...(byName(baseline, subject)?.workers ?? []).map((w) => w.rollout));
  const from = run.up.records.length;
  const subjectLoad = startLoad(ports[subject], CONNECTIONS);
  const bystanderLoad = startLoad(ports[bystander], CONNECTIONS);
  // A hung helper relays no exit until it is found hung and killed (5 s without a pong): till then status
  // shows its workers as they last were.
  const truth = sampleTruth(run, process === 'helper' && HANGS.includes(fault) ? 7000 : 1000);
  let lostBound = 0;
  let convergeMs: number | null = null;
  let endDesired = base;
  /** Something the end must have seen besides a settled status (a roll aborted). */
  let awaited: string | null = null;
  let minGeneration = 0;
  // Let the load reach every worker before anything happens.
  await sleep(300);

  const subjectWorkers = (s: StatusJson | null) => (s === null ? [] : (byName(s, subject)?.workers ?? []));
  const pick = async (
    match: (w: StatusJson['groups'][number]['workers'][number]) => boolean,
    what: string,
  ) => {
    const found = await waitFor(
      async () => subjectWorkers(await run.status()).find((w) => w.pid !== null && match(w)) ?? null,
      20_000,
    );
    if (found === null || found.pid === null)
      throw new Error(`${process}/${moment}/${fault}: no worker ${what}`);
    return found.pid;
  };

  // The moment: what is going on when the fault comes, and which worker is in it.
  let target: number | null = null;
  const throwing = fault === 'throw';
  if (throwing && process === 'worker') run.throwNext('worker');
  if (throwing && process === 'helper') run.throwNext('helper');
  switch (moment) {
    case 'booting':
      await run.control('/scale', { counts: { [subject]: base + 1 } });
      endDesired = base + 1;
      if (!throwing)
        target = await pick((w) => w.state === 'starting' && !run.listening(w.pid as number), 'booting');
      break;
    case 'waiting-ready':
      await run.control('/scale', { counts: { [subject]: base + 1 } });
      endDesired = base + 1;
      target = await pick(
        (w) => w.state === 'starting' && run.listening(w.pid as number),
        'listening, not ready',
      );
      break;
    case 'serving':
      target = await pick((w) => w.state === 'ready', 'ready');
      break;
    case 'reload-drain':
      void run.control('/reload', { groups: [subject] });
      if (process === 'worker' && !throwing) minGeneration = generation + 1;
      if (process === 'worker' && throwing) awaited = 'reload aborted';
      if (!throwing) target = await pick((w) => w.state === 'draining', 'draining in a reload');
      break;
    case 'scale-down-drain':
      await run.control('/scale', { counts: { [subject]: base - 1 } });
      endDesired = base - 1;
      target = await pick((w) => w.state === 'draining', 'draining in a scale-down');
      break;
    case 'shutdown':
      run.up.signal('SIGTERM');
      target = await pick((w) => w.state === 'draining', 'draining at shutdown');
      break;
    case 'backoff': {
      // A previous fault: slot 0's worker killed, its slot waiting out a 3 s backoff.
      const first = await pick((w) => w.state === 'ready' && w.index === 0, 'in slot 0');
      await run.commit(first, 'sigkill');
      lostBound += CONNECTIONS;
      await waitFor(
        async () => (subjectWorkers(await run.status()).some((w) => w.state === 'backoff') ? true : null),
        10_000,
      );
      if (process === 'worker' && !throwing)
        target = await pick((w) => w.state === 'ready' && w.index === 1, 'ready while slot 0 is in backoff');
      break;
    }
  }

  // The fault, in the process the cell is about.
  trace(process, moment, fault, 'moment reached, target', target);
  const started = Date.now();
  let faulted: number | null = null;
  if (process === 'worker' && target !== null) faulted = target;
  if (process === 'helper' && !(throwing && moment !== 'backoff')) faulted = run.helperPid();
  if (process === 'primary') faulted = run.pid;
  if (faulted !== null) {
    if (throwing && process === 'helper') await run.commit(faulted, 'sigkill');
    else if (process === 'primary' && fault === 'close-stdio') {
      // `orchestrator up | head -n 1`, then the reader goes away: the primary's next write meets EPIPE.
      run.up.child.stdout?.destroy();
      run.up.child.stderr?.destroy();
    } else if (process === 'primary' && HANGS.includes(fault)) {
      await run.commit(faulted, fault === 'block' ? 'block:3000' : 'sigstop');
      if (fault === 'sigstop') {
        await sleep(3000);
        globalThis.process.kill(faulted, 'SIGCONT');
      }
    } else await run.commit(faulted, fault);
  }
  // A worker that was serving, or the helper of serving workers, may take the requests in flight on it along.
  const servingTarget = moment !== 'booting' && moment !== 'waiting-ready';
  if (process === 'worker' && servingTarget && (DEATHS.includes(fault) || HANGS.includes(fault)))
    lostBound += CONNECTIONS;
  if (process === 'helper' && fault !== 'close-stdio') lostBound += CONNECTIONS * 2;

  trace(process, moment, fault, 'committed in', faulted);
  // The end: the cluster back at the desired state (or, after a shutdown, nothing left).
  const primaryDies = process === 'primary' && DEATHS.includes(fault);
  if (primaryDies) {
    // A primary that dies cannot drain: what it owes is that nothing outlives it, within 2 s.
    const gone = await waitFor(() => (run.processes().length === 0 ? true : null), 10_000);
    if (gone === null) problems.push(`processes left after the primary died: ${run.processes().join(', ')}`);
    else {
      convergeMs = Date.now() - started;
      if (convergeMs > 2000) problems.push(`took ${convergeMs} ms for every process to go (bound 2000)`);
    }
  } else if (moment === 'shutdown') {
    const exited = await Promise.race([run.up.exited, sleep(SETTLE_MS).then(() => null)]);
    if (exited === null) problems.push('the primary did not exit');
    else {
      convergeMs = Date.now() - started;
      if (exited.code !== 0) problems.push(`exit code ${exited.code}, expected 0`);
    }
    const left = await waitFor(() => (run.processes().length === 0 ? true : null), 3000);
    if (left === null)
      problems.push(`processes left after the primary exited: ${run.processes().join(', ')}`);
  } else {
    // Whatever the fault ends must be gone from status and from the machine before the cell is over.
    const mustGo = new Set<number>();
    if (faulted !== null && fault !== 'close-stdio' && !(process === 'primary')) mustGo.add(faulted);
    if (process === 'helper' && fault !== 'close-stdio' && !(throwing && moment === 'booting'))
      for (const w of byName(baseline, subject)?.workers ?? []) if (w.pid !== null) mustGo.add(w.pid);
    const shown = (st: StatusJson) => new Set(st.groups.flatMap((g) => g.workers.map((w) => w.pid)));
    const s = await run.until(
      (st) =>
        settled(st, subject, endDesired, minGeneration) &&
        (awaited === null || run.events(from).includes(awaited)) &&
        [...mustGo].every((pid) => !shown(st).has(pid) && !alive(pid)),
      SETTLE_MS,
    );
    if (s === null)
      problems.push(
        `did not converge within ${SETTLE_MS} ms: ${JSON.stringify(summary(await run.status()))}`,
      );
    else convergeMs = Date.now() - started;
    if (s !== null) problems.push(...(await orphanCheck(run)));
    if (s !== null && !(byName(s, bystander)?.workers ?? []).every((w) => bystanderPids.includes(w.pid)))
      problems.push(`${bystander} noticed: its workers were replaced`);
    if (faulted !== null && process === 'worker' && fault !== 'close-stdio' && alive(faulted))
      problems.push(`the faulted worker ${faulted} is still alive`);
    if (
      faulted !== null &&
      process === 'worker' &&
      fault === 'close-stdio' &&
      !alive(faulted) &&
      moment !== 'reload-drain' &&
      moment !== 'scale-down-drain'
    )
      problems.push(`the worker ${faulted} died after closing its stdio`);
    if (
      process === 'worker' &&
      throwing &&
      moment === 'reload-drain' &&
      !run.events(from).includes('reload aborted')
    )
      problems.push('the roll was not aborted');
    if (process === 'helper' && faulted !== null && fault !== 'close-stdio' && alive(faulted))
      problems.push('the old helper is still alive');
  }

  trace(process, moment, fault, 'ended after', convergeMs, 'ms', problems);
  const checked = await truth.stop();
  const subjectResult = await subjectLoad.stop();
  const bystanderResult = await bystanderLoad.stop();
  // After the load stopped: a shutdown refuses connections by design.
  if (process === 'primary' && fault === 'close-stdio' && convergeMs !== null) {
    // With its stdout gone it still shuts down cleanly.
    run.up.signal('SIGTERM');
    const exited = await Promise.race([run.up.exited, sleep(SETTLE_MS).then(() => null)]);
    if (exited === null || exited.code !== 0)
      problems.push(`SIGTERM after stdout closed: ${JSON.stringify(exited)}`);
  }

  if (checked.lies.length > 0) problems.push(`status was wrong: ${checked.lies.slice(0, 3).join('; ')}`);
  const refused = process === 'helper' ? (subjectResult.reasons.ECONNREFUSED ?? 0) : 0;
  if (moment !== 'shutdown' && !primaryDies) {
    if (subjectResult.failed - refused > lostBound)
      problems.push(
        `${subjectResult.failed} failed requests on ${subject} (bound ${lostBound}): ${JSON.stringify(subjectResult.reasons)}`,
      );
    if (bystanderResult.failed > 0)
      problems.push(
        `${bystanderResult.failed} failed requests on ${bystander}: ${JSON.stringify(bystanderResult.reasons)}`,
      );
  }

  // Back to the base count for the next cell.
  if (moment !== 'shutdown' && !primaryDies && endDesired !== base && run.up.child.exitCode === null) {
    await run.control('/scale', { counts: { [subject]: base } });
    await run.until((s) => settled(s, subject, base), SETTLE_MS);
  }
  return {
    process,
    moment,
    fault,
    expected: expectedOutcome(cell),
    events: run.events(from),
    convergeMs,
    lost: subjectResult.failed - refused,
    refused,
    lostBound: moment === 'shutdown' || primaryDies ? Number.NaN : lostBound,
    bystanderLost: bystanderResult.failed,
    problems,
  };
}

function summary(s: StatusJson | null): unknown {
  if (s === null) return 'no answer';
  return s.groups.map((g) => ({
    name: g.name,
    state: g.state,
    desired: g.desired,
    ready: g.ready,
    workers: g.workers.map((w) => `${w.pid}:${w.state}:g${w.rollout}`),
  }));
}
