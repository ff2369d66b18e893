/**
 * Respawn after SIGKILL with one worker: the time from the kill until the app answers again (a fresh
 * connection polled every 5 ms). Target: orchestrator <= raw + 10%.
 *
 * All three restart at once here: raw does by design, PM2 by default (restart_delay 0), the orchestrator with
 * `backoff: { strategy: 'none' }`. Its default (exponential from 100 ms) waits ~100 ms on purpose before the
 * first respawn; that delay is policy, not cost, and is left out so that the cost is what is compared.
 *
 *   npx node bench/respawn.ts [--rounds 3] [--kills 5]
 */
import { request } from 'undici';
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { CONTENDERS, type ContenderName, type Running, start } from './lib/contenders.ts';
import { isAlive, runMain, sleep, until } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, ratio, rotation, table } from './lib/stats.ts';

async function answers(url: string): Promise<boolean> {
  try {
    const response = await request(url, { reset: true, headersTimeout: 1000, bodyTimeout: 1000 });
    await response.body.text();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}

/** Kills the only worker (or `victim`); resolves with the ms until the app answered again. */
export async function killAndTime(
  cluster: Running,
  victim: number | undefined = cluster.workerPids()[0],
): Promise<number> {
  if (victim === undefined) throw new Error(`${cluster.name}: no worker to kill`);
  const killed = performance.now();
  process.kill(victim, 'SIGKILL');
  // Until it is gone, a request could still reach it and "answer": wait for its death (well under 1 ms).
  await until('the killed worker to die', () => (isAlive(victim) ? undefined : true), 5000, 0);
  // A probe every 5 ms, each on its own connection and not waiting for the previous one: a connection the
  // primary accepted just before it noticed the death can hang (it was handed to the dead worker), and must
  // not delay the probes behind it.
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      clearInterval(probes);
      reject(new Error(`${cluster.name}: no answer within 30 s of the kill`));
    }, 30_000);
    const probes = setInterval(() => {
      void answers(cluster.url).then((ok) => {
        if (!ok) return;
        clearInterval(probes);
        clearTimeout(deadline);
        resolve(performance.now() - killed);
      });
    }, 5);
  });
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const kills = numberFlag('kills', 5);
  const samples = new Map<ContenderName, number[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of rotation(CONTENDERS, round)) {
      const cluster = await start(name, { workers: 1, port: await freePort(), crashTolerant: true });
      try {
        const times: number[] = [];
        for (let i = 0; i < kills; i++) {
          await sleep(1000);
          times.push(await killAndTime(cluster));
        }
        samples.set(name, [...(samples.get(name) ?? []), ...times]);
        const line = `round ${round + 1} ${name}: ${times.map((t) => fixed(t)).join(', ')} ms`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (name: ContenderName): number => median(samples.get(name) ?? []);
  return [
    `## Respawn after SIGKILL, 1 worker, until served again (median of ${rounds} rounds x ${kills} kills)`,
    '',
    table(
      ['contender', 'median (ms)', 'vs raw'],
      CONTENDERS.map((name) => [name, fixed(med(name)), ratio(med(name), med('raw'))]),
    ),
    '',
    'Target: orchestrator <= raw + 10% (1.10x).',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
