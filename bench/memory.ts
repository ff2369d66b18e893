/**
 * The primary's RSS after start and after 1,000 worker crashes and respawns (target: growth < 5 MB), for raw
 * node:cluster's primary, PM2's daemon and the orchestrator's primary, measured the same way: VmRSS from
 * /proc, 2 s after the cluster settled. A crash is a SIGKILL of a worker; each step kills every worker and
 * waits until as many new ones listen. Restarts are immediate and unlimited for all three (see respawn.ts).
 *
 *   npx node bench/memory.ts [--rounds 1] [--crashes 1000] [--workers 2]
 */
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { CONTENDERS, type ContenderName, type Running, start } from './lib/contenders.ts';
import { rssMb, runMain, sleep, until } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, rotation, table } from './lib/stats.ts';

interface Sample {
  readonly startMb: number;
  readonly afterMb: number;
  readonly seconds: number;
}

/** Kills every worker, `crashes` in all, each time waiting until their replacements listen. */
async function crashLoop(cluster: Running, workers: number, crashes: number): Promise<void> {
  let done = 0;
  while (done < crashes) {
    const victims = cluster.workerPids().slice(0, crashes - done);
    const listenedBefore = cluster.listenedPids().length;
    for (const pid of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    done += victims.length;
    await until(
      'the replacements to listen',
      () => {
        const live = cluster.workerPids();
        return cluster.listenedPids().length >= listenedBefore + victims.length &&
          live.length === workers &&
          !live.some((pid) => victims.includes(pid))
          ? true
          : undefined;
      },
      30_000,
      2,
    );
  }
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 1);
  const crashes = numberFlag('crashes', 1000);
  const workers = numberFlag('workers', 2);
  const samples = new Map<ContenderName, Sample[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of rotation(CONTENDERS, round)) {
      const cluster = await start(name, { workers, port: await freePort(), crashTolerant: true });
      try {
        await sleep(2000);
        const startMb = rssMb(cluster.primaryPid);
        const began = performance.now();
        await crashLoop(cluster, workers, crashes);
        const seconds = (performance.now() - began) / 1000;
        await sleep(2000);
        const afterMb = rssMb(cluster.primaryPid);
        samples.set(name, [...(samples.get(name) ?? []), { startMb, afterMb, seconds }]);
        const line = `round ${round + 1} ${name}: ${fixed(startMb, 1)} MB -> ${fixed(afterMb, 1)} MB after ${crashes} crashes in ${fixed(seconds, 1)} s`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (name: ContenderName, pick: (s: Sample) => number): number =>
    median((samples.get(name) ?? []).map(pick));
  return [
    `## Primary memory: RSS after start and after ${crashes} worker crashes/respawns (${workers} workers, median of ${rounds} round${rounds === 1 ? '' : 's'})`,
    '',
    table(
      [
        'contender',
        'RSS after start (MB)',
        `RSS after ${crashes} crashes (MB)`,
        'growth (MB)',
        'crash loop took (s)',
      ],
      CONTENDERS.map((name) => [
        name === 'pm2' ? 'pm2 (daemon)' : name,
        fixed(
          med(name, (s) => s.startMb),
          1,
        ),
        fixed(
          med(name, (s) => s.afterMb),
          1,
        ),
        fixed(
          med(name, (s) => s.afterMb - s.startMb),
          1,
        ),
        fixed(
          med(name, (s) => s.seconds),
          1,
        ),
      ]),
    ),
    '',
    'Target: orchestrator growth < 5 MB.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
