/**
 * Rolling reload under keep-alive load: failed requests per reload (target 0) and the p99 latency while the
 * reload rolls vs steady state just before it (target <= 2x), for raw node:cluster (fork, wait for
 * 'listening', disconnect the old worker), `pm2 reload` and `orchestrator up` (SIGHUP).
 *
 * The load is paced (default 4,000 req/s over 50 keep-alive connections) so that latency measures the
 * reload, not a saturated queue; the client is undici and counts every failure (reset, refused, non-200).
 *
 *   npx node bench/reload.ts [--rounds 3] [--reloads 2] [--rate 4000] [--connections 50] [--workers 2]
 */
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { CONTENDERS, type ContenderName, start } from './lib/contenders.ts';
import { runMain, sleep } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { startRequestLoad } from './lib/request-load.ts';
import { fixed, median, rotation, table } from './lib/stats.ts';

interface Sample {
  readonly failedPerReload: number;
  readonly steadyP99: number;
  readonly reloadP99: number;
  readonly reloadMs: number;
  readonly reasons: Record<string, number>;
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const reloads = numberFlag('reloads', 2);
  const rate = numberFlag('rate', 4000);
  const connections = numberFlag('connections', 50);
  const workers = numberFlag('workers', 2);
  const samples = new Map<ContenderName, Sample[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of rotation(CONTENDERS, round)) {
      const cluster = await start(name, { workers, port: await freePort() });
      try {
        const load = startRequestLoad({
          url: cluster.url,
          connections,
          rate,
          durationMs: 120_000,
          maxRequests: rate * 120,
        });
        let steadyP99 = 0;
        let reloadP99 = 0;
        let reloadMs = 0;
        await sleep(1000); // connections open, JIT warm
        for (let i = 0; i < reloads; i++) {
          const steadyFrom = performance.now();
          await sleep(3000);
          const began = performance.now();
          await cluster.reload();
          const ended = performance.now();
          await sleep(1000); // the old workers' last answers
          steadyP99 += load.window(steadyFrom, began).p99Ms / reloads;
          reloadP99 += load.window(began, ended).p99Ms / reloads;
          reloadMs += (ended - began) / reloads;
        }
        await load.stop();
        const all = load.window();
        const sample = {
          failedPerReload: all.failed / reloads,
          steadyP99,
          reloadP99,
          reloadMs,
          reasons: all.reasons,
        };
        samples.set(name, [...(samples.get(name) ?? []), sample]);
        const line = `round ${round + 1} ${name}: ${all.ok} ok, ${all.failed} failed in ${reloads} reloads ${JSON.stringify(all.reasons)}, p99 steady ${fixed(steadyP99, 1)} ms, during reload ${fixed(reloadP99, 1)} ms, reload took ${fixed(reloadMs)} ms`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (name: ContenderName, pick: (sample: Sample) => number): number =>
    median((samples.get(name) ?? []).map(pick));
  const rows = CONTENDERS.map((name) => [
    name,
    fixed(
      med(name, (s) => s.failedPerReload),
      1,
    ),
    fixed(
      med(name, (s) => s.steadyP99),
      1,
    ),
    fixed(
      med(name, (s) => s.reloadP99),
      1,
    ),
    `${fixed(
      med(name, (s) => s.reloadP99 / s.steadyP99),
      2,
    )}x`,
    fixed(med(name, (s) => s.reloadMs)),
  ]);
  return [
    `## Rolling reload under keep-alive load (${workers} workers, ${connections} connections, ${rate} req/s, ${reloads} reloads per run, median of ${rounds} rounds)`,
    '',
    table(
      [
        'contender',
        'failed requests per reload',
        'p99 steady (ms)',
        'p99 during reload (ms)',
        'reload / steady',
        'reload took (ms)',
      ],
      rows,
    ),
    '',
    'Target: orchestrator 0 failed requests per reload, p99 during the reload <= 2x steady state.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
