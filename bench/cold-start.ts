/**
 * Cold start, in CPU time and wall time: from the start command until every worker listens, for raw
 * node:cluster and `orchestrator up` (PM2 is left out: its daemon is already running when `pm2 start` is
 * timed, so its CPU is not comparable). CPU time is what a start costs the machine, and unlike wall time it
 * holds on a busy machine: user + system of the primary, of its children it has reaped (the orchestrator's
 * config loader process) and of every worker, read from /proc the moment the last worker listens
 * (clock ticks: 10 ms resolution per process, so several rounds).
 *
 *   npx node bench/cold-start.ts [--rounds 5] [--workers 2]
 */
import { readFileSync } from 'node:fs';
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { type ContenderName, start } from './lib/contenders.ts';
import { runMain, sleep } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, ratio, rotation, table } from './lib/stats.ts';

const CLOCK_TICKS_PER_S = 100;

/** User + system CPU ms of a process, with `children` also that of the children it has reaped. */
function cpuMs(pid: number, children: boolean): number {
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // utime, stime, cutime, cstime are fields 14-17 of the line: 11-14 after the command name.
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  const ticks = utime + stime + (children ? cutime + cstime : 0);
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

interface Sample {
  readonly wallMs: number;
  readonly primaryMs: number;
  readonly workersMs: number;
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 5);
  const workers = numberFlag('workers', 2);
  const contenders: ContenderName[] = ['raw', 'orchestrator'];
  const samples = new Map<ContenderName, Sample[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of rotation(contenders, round)) {
      await sleep(500);
      const began = performance.now();
      const cluster = await start(name, { workers, port: await freePort() });
      try {
        const wallMs = performance.now() - began;
        const primaryMs = cpuMs(cluster.primaryPid, true);
        const workersMs = cluster.workerPids().reduce((sum, pid) => sum + cpuMs(pid, false), 0);
        samples.set(name, [...(samples.get(name) ?? []), { wallMs, primaryMs, workersMs }]);
        const line = `round ${round + 1} ${name}: ${fixed(wallMs)} ms wall; CPU primary (with reaped children) ${primaryMs} ms, workers ${workersMs} ms`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (name: ContenderName, of: (s: Sample) => number) => median((samples.get(name) ?? []).map(of));
  const total = (s: Sample) => s.primaryMs + s.workersMs;
  const rows = contenders.map((name) => [
    name,
    fixed(med(name, (s) => s.primaryMs)),
    fixed(med(name, (s) => s.workersMs)),
    fixed(med(name, total)),
    ratio(med(name, total), med('raw', total)),
    fixed(med(name, (s) => s.wallMs)),
    ratio(
      med(name, (s) => s.wallMs),
      med('raw', (s) => s.wallMs),
    ),
  ]);
  return [
    `## Cold start: launch -> ${workers} workers listening (hello world, median of ${rounds} rounds)`,
    '',
    table(
      [
        'contender',
        'CPU primary + loader (ms)',
        'CPU workers (ms)',
        'CPU total (ms)',
        'vs raw',
        'wall (ms)',
        'vs raw',
      ],
      rows,
    ),
    '',
    'Target: <= 1.3x raw. CPU time holds on a busy machine; wall time does not.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
