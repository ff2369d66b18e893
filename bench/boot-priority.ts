/**
 * Does lowering a booting worker's priority keep the p99 down during a reload? The reload scenario of
 * bench/reload.ts (paced keep-alive load, rolling reloads), for raw node:cluster and the orchestrator with the
 * booting worker niced (the default where the priority can be given back) and without
 * (ORCHESTRATOR_BOOT_PRIORITY=off), alternating order round by round.
 *
 *   npx node bench/boot-priority.ts [--rounds 3] [--reloads 2] [--rate 4000] [--connections 50]
 */
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { type Running, start } from './lib/contenders.ts';
import { runMain, sleep } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { startRequestLoad } from './lib/request-load.ts';
import { fixed, median, rotation, table } from './lib/stats.ts';

type Variant = 'raw' | 'priority off' | 'booting worker niced';
const VARIANTS: readonly Variant[] = ['raw', 'priority off', 'booting worker niced'];

function launch(variant: Variant, port: number): Promise<Running> {
  if (variant === 'raw') return start('raw', { workers: 2, port });
  // The orchestrator's primary reads it at start; the bench's environment is passed on.
  if (variant === 'priority off') process.env.ORCHESTRATOR_BOOT_PRIORITY = 'off';
  else delete process.env.ORCHESTRATOR_BOOT_PRIORITY;
  return start('orchestrator', { workers: 2, port });
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const reloads = numberFlag('reloads', 2);
  const rate = numberFlag('rate', 4000);
  const connections = numberFlag('connections', 50);
  const samples = new Map<Variant, { steady: number; reload: number; failed: number }[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const variant of rotation(VARIANTS, round)) {
      const cluster = await launch(variant, await freePort());
      try {
        const load = startRequestLoad({
          url: cluster.url,
          connections,
          rate,
          durationMs: 120_000,
          maxRequests: rate * 120,
        });
        await sleep(1000);
        let steady = 0;
        let reload = 0;
        for (let i = 0; i < reloads; i++) {
          const steadyFrom = performance.now();
          await sleep(3000);
          const began = performance.now();
          await cluster.reload();
          const ended = performance.now();
          await sleep(1000);
          steady += load.window(steadyFrom, began).p99Ms / reloads;
          reload += load.window(began, ended).p99Ms / reloads;
        }
        await load.stop();
        const failed = load.window().failed;
        samples.set(variant, [...(samples.get(variant) ?? []), { steady, reload, failed }]);
        const line = `round ${round + 1} ${variant}: p99 steady ${fixed(steady, 1)} ms, during reload ${fixed(reload, 1)} ms (${fixed(reload / steady, 2)}x), ${failed} failed`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  delete process.env.ORCHESTRATOR_BOOT_PRIORITY;
  const med = (variant: Variant, pick: (s: { steady: number; reload: number }) => number): number =>
    median((samples.get(variant) ?? []).map(pick));
  const rows = VARIANTS.map((variant) => [
    variant,
    fixed(
      med(variant, (s) => s.steady),
      1,
    ),
    fixed(
      med(variant, (s) => s.reload),
      1,
    ),
    `${fixed(
      med(variant, (s) => s.reload / s.steady),
      2,
    )}x`,
  ]);
  return [
    `## p99 during a reload with the booting worker niced (2 workers, ${connections} connections, ${rate} req/s, ${reloads} reloads per run, median of ${rounds} rounds)`,
    '',
    table(['contender', 'p99 steady (ms)', 'p99 during reload (ms)', 'reload / steady'], rows),
    '',
    'Target: p99 during the reload <= 2x steady state.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
