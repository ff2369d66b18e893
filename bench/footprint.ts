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
import { privateMb, rssMb, runMain, sleep } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, ratio, rotation, table } from './lib/stats.ts';

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const workers = numberFlag('workers', 2);
  type Sample = { primary: number; worker: number; primaryUss: number; workerUss: number };
  const samples = new Map<ContenderName, Sample[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of rotation(CONTENDERS, round)) {
      const cluster = await start(name, { workers, port: await freePort() });
      try {
        await sleep(2000);
        const pids = cluster.workerPids();
        const mean = (of: (pid: number) => number) =>
          pids.reduce((sum, pid) => sum + of(pid), 0) / pids.length;
        const worker = mean(rssMb);
        const workerUss = mean(privateMb);
        const primary = rssMb(cluster.primaryPid);
        const primaryUss = privateMb(cluster.primaryPid);
        samples.set(name, [...(samples.get(name) ?? []), { primary, worker, primaryUss, workerUss }]);
        const line = `round ${round + 1} ${name}: primary ${fixed(primary, 1)} MB (private ${fixed(primaryUss, 1)}), worker ${fixed(worker, 1)} MB (private ${fixed(workerUss, 1)}) (${pids.length} workers)`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (name: ContenderName, key: keyof Sample): number =>
    median((samples.get(name) ?? []).map((s) => s[key]));
  const rows = CONTENDERS.map((name) => [
    name === 'pm2' ? 'pm2 (daemon)' : name,
    fixed(med(name, 'primary'), 1),
    ratio(med(name, 'primary'), med('raw', 'primary')),
    fixed(med(name, 'worker'), 1),
    signed(med(name, 'worker') - med('raw', 'worker')),
    fixed(med(name, 'primaryUss'), 1),
    ratio(med(name, 'primaryUss'), med('raw', 'primaryUss')),
    fixed(med(name, 'workerUss'), 1),
    signed(med(name, 'workerUss') - med('raw', 'workerUss')),
  ]);
  return [
    `## Memory after start (${workers} workers, hello world, median of ${rounds} rounds)`,
    '',
    table(
      [
        'contender',
        'primary RSS (MB)',
        'vs raw',
        'RSS per worker (MB)',
        'per worker vs raw (MB)',
        'primary private (MB)',
        'vs raw',
        'worker private (MB)',
        'per worker vs raw (MB)',
      ],
      rows,
    ),
    '',
    'Targets: primary <= 1.2x raw; a worker <= raw + 1.5 MB. Private = USS (Private_Clean + Private_Dirty):',
    'RSS also counts the pages of the node binary a process touched, shared by every Node process.',
    '',
    ...everyRun(log),
  ].join('\n');
}

function signed(mb: number): string {
  return `${mb >= 0 ? '+' : ''}${fixed(mb, 1)}`;
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
