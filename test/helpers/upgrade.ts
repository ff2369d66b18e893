import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { StatusJson } from '../../src/primary/status.ts';
import { type CliResult, orchestrator } from './cli.ts';
import { eventually, type LoadResult, runLoad } from './load.ts';
import { waitUntilGone } from './tagged-processes.ts';
import type { UpProcess } from './up-process.ts';

/** `orchestrator status --json` of the cluster in `dir`, whichever primary answers. */
export async function status(dir: string): Promise<StatusJson> {
  const result = await orchestrator(['status', '--json'], dir);
  if (result.code !== 0) throw new Error(`status exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as StatusJson;
}

export function workerPids(value: StatusJson): number[] {
  return value.groups.flatMap((group) => group.workers.flatMap((worker) => worker.pid ?? []));
}

/** The new primary's pid, from the old one's progress line. */
export async function newPrimaryPid(up: UpProcess): Promise<number> {
  const record = await up.waitFor(
    (r) => typeof r.msg === 'string' && r.msg.startsWith('new primary started'),
    30_000,
    'the new primary to start',
  );
  return Number(/pid (\d+)/.exec(String(record.msg))?.[1]);
}

/** Waits until `pid` has stopped itself (state T) at its checkpoint. */
export async function stoppedAtCheckpoint(pid: number): Promise<void> {
  await eventually(async () => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    if (!stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) throw new Error(`pid ${pid} not stopped`);
  }, 30_000);
}

/**
 * Starts `orchestrator upgrade` on a cluster whose `up` runs with ORCHESTRATOR_UPGRADE_STOP_AT, and waits until
 * the new primary stopped itself at that step: the upgrade under way, and the new primary's pid.
 */
export async function upgradeStopped(
  up: UpProcess,
  dir: string,
): Promise<{ readonly upgrading: Promise<CliResult>; readonly pid: number }> {
  const upgrading = orchestrator(['upgrade'], dir);
  const pid = await newPrimaryPid(up);
  await stoppedAtCheckpoint(pid);
  return { upgrading, pid };
}

/** The pids of `pid`'s children (Linux: /proc/<pid>/task/<pid>/children). */
export function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim();
    return text === '' ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** The `os` helper primaries among `pid`'s children (their command line runs host-process). */
export function helpersOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'latin1').includes('host-process');
    } catch {
      return false;
    }
  });
}

/** Stops the cluster through its control socket (whichever primary runs it) and checks nothing is left. */
export async function stopCluster(up: UpProcess, dir: string): Promise<void> {
  await orchestrator(['down'], dir);
  expect(await waitUntilGone(up.tag, 15_000), 'processes left after down').to.deep.equal([]);
}

/**
 * HTTP load on each port (127.0.0.1) while `during` runs, stopped once it resolves: one result per port.
 * `fresh`: a new connection per request; otherwise keep-alive.
 */
export async function loadDuring(
  ports: readonly number[],
  options: { readonly fresh: boolean; readonly connections: number },
  during: () => Promise<void>,
): Promise<LoadResult[]> {
  const stop = new AbortController();
  const running = ports.map((port) =>
    runLoad({
      url: `http://127.0.0.1:${port}/`,
      connections: options.connections,
      durationMs: 60_000,
      maxRequests: 200_000,
      fresh: options.fresh,
      signal: stop.signal,
    }),
  );
  try {
    await during();
  } finally {
    stop.abort();
  }
  return Promise.all(running);
}
