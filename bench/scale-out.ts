/**
 * Scale-out: from the start command to 32 workers listening, for raw node:cluster (fork 32), `pm2 start -i 32`
 * (its daemon already running, as it is for PM2 users) and `orchestrator up` with count 32 (until its own
 * "cluster ready" and every worker listening). Everything on however many cores this machine has.
 *
 *   npx node bench/scale-out.ts [--rounds 3] [--workers 32]
 */
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { CONTENDERS, type ContenderName, type Running, start, startPm2 } from './lib/contenders.ts';
import { runMain, sleep } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, ratio, rotation, table } from './lib/stats.ts';

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const workers = numberFlag('workers', 32);
  const samples = new Map<ContenderName, number[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of rotation(CONTENDERS, round)) {
      await sleep(1000);
      const port = await freePort();
      let began = performance.now();
      const cluster: Running =
        name === 'pm2'
          ? await startPm2({ workers, port }, () => {
              began = performance.now();
            })
          : await start(name, { workers, port });
      const ms = performance.now() - began;
      await cluster.stop();
      samples.set(name, [...(samples.get(name) ?? []), ms]);
      const line = `round ${round + 1} ${name}: ${fixed(ms)} ms`;
      log.push(line);
      process.stderr.write(`${line}\n`);
    }
  }
  const med = (name: ContenderName): number => median(samples.get(name) ?? []);
  return [
    `## Scale-out: ${workers} workers to all listening (median of ${rounds} rounds)`,
    '',
    table(
      ['contender', 'median (ms)', 'vs raw', 'vs PM2'],
      CONTENDERS.map((name) => [
        name,
        fixed(med(name)),
        ratio(med(name), med('raw')),
        ratio(med(name), med('pm2')),
      ]),
    ),
    '',
    'Lower is better. Raw and the orchestrator include their primary starting; PM2 starts with its daemon up.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
