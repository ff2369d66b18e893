/**
 * Memory after start, 2 s after every worker listens: the primary's RSS (PM2: its daemon's) and the mean RSS
 * of a worker, for the same hello-world app under each contender. The worker figure minus raw's is what the
 * contender's per-worker runtime costs.
 *
 *   npx node bench/footprint.ts [--rounds 3] [--workers 2]
 */
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { CONTENDERS, type ContenderName, start } from './lib/contenders.ts';
import { rssMb, runMain, sleep } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, ratio, rotation, table } from './lib/stats.ts';

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const workers = numberFlag('workers', 2);
  const samples = new Map<ContenderName, { primary: number; worker: number }[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of rotation(CONTENDERS, round)) {
      const cluster = await start(name, { workers, port: await freePort() });
      try {
        await sleep(2000);
        const pids = cluster.workerPids();
        const worker = pids.reduce((sum, pid) => sum + rssMb(pid), 0) / pids.length;
        const primary = rssMb(cluster.primaryPid);
        samples.set(name, [...(samples.get(name) ?? []), { primary, worker }]);
        const line = `round ${round + 1} ${name}: primary ${fixed(primary, 1)} MB, worker ${fixed(worker, 1)} MB (${pids.length} workers)`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (name: ContenderName, key: 'primary' | 'worker'): number =>
    median((samples.get(name) ?? []).map((s) => s[key]));
  const rows = CONTENDERS.map((name) => [
    name === 'pm2' ? 'pm2 (daemon)' : name,
    fixed(med(name, 'primary'), 1),
    ratio(med(name, 'primary'), med('raw', 'primary')),
    fixed(med(name, 'worker'), 1),
    `${med(name, 'worker') - med('raw', 'worker') >= 0 ? '+' : ''}${fixed(med(name, 'worker') - med('raw', 'worker'), 1)}`,
  ]);
  return [
    `## Memory after start (${workers} workers, hello world, median of ${rounds} rounds)`,
    '',
    table(['contender', 'primary RSS (MB)', 'vs raw', 'RSS per worker (MB)', 'per worker vs raw (MB)'], rows),
    '',
    'Targets: primary <= 1.2x raw; a worker <= raw + 1.5 MB.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
