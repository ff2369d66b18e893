/**
 * Warm spares: SIGKILL of the only serving worker -> the app answers again (a fresh connection polled every
 * 5 ms, as in respawn.ts), side by side in one run: raw node:cluster's respawn (fork at once), the
 * orchestrator respawning (`backoff: none`, no spare), and the orchestrator with one spare booted without its
 * app (`preload: false`) and with it (`preload: true`). Target: a spare <= 0.5x raw.
 *
 * Before each kill the spare stands by (status says `standby`), as it would when a crash comes at random.
 * Wall-clock figures: on a busy machine they spread; compare the medians of one run only.
 *
 *   npx node bench/spares.ts [--rounds 3] [--kills 5]
 */
import { execFile } from 'node:child_process';
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import {
  ORCHESTRATOR_CLI,
  type OrchestratorRunning,
  type Running,
  start,
  startOrchestrator,
} from './lib/contenders.ts';
import { isAlive, runMain, sleep, until } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, ratio, rotation, table } from './lib/stats.ts';
import { killAndTime } from './respawn.ts';

type Variant = 'raw' | 'orchestrator' | 'spare (boot)' | 'spare (preload)';
const VARIANTS: readonly Variant[] = ['raw', 'orchestrator', 'spare (boot)', 'spare (preload)'];

function launch(variant: Variant, port: number): Promise<Running> {
  if (variant === 'raw') return start('raw', { workers: 1, port, crashTolerant: true });
  if (variant === 'orchestrator') return start('orchestrator', { workers: 1, port, crashTolerant: true });
  return startOrchestrator({
    workers: 1,
    port,
    crashTolerant: true,
    group: { spares: { count: 1, preload: variant === 'spare (preload)' } },
  });
}

function spareStandingBy(cluster: OrchestratorRunning): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ORCHESTRATOR_CLI, 'status', '--json', '-c', cluster.configFile],
      { timeout: 10_000 },
      (error, stdout) => {
        if (error) return resolve(false);
        const status = JSON.parse(stdout) as {
          groups: Array<{ workers: Array<{ state: string }>; spares?: Array<{ state: string }> }>;
        };
        const [web] = status.groups;
        resolve(
          web?.workers.every((w) => w.state === 'ready') === true &&
            web.spares?.length === 1 &&
            web.spares[0]?.state === 'standby',
        );
      },
    );
  });
}

/** The worker that serves: the newest one that listened and is alive (a spare listens only once activated). */
function serving(cluster: Running): number | undefined {
  return cluster
    .listenedPids()
    .filter((pid) => isAlive(pid))
    .at(-1);
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const kills = numberFlag('kills', 5);
  const samples = new Map<Variant, number[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const variant of rotation(VARIANTS, round)) {
      const cluster = await launch(variant, await freePort());
      try {
        const times: number[] = [];
        for (let i = 0; i < kills; i++) {
          await sleep(1000);
          if (variant.startsWith('spare')) {
            const orchestrator = cluster as OrchestratorRunning;
            await until(
              'the spare to stand by',
              async () => ((await spareStandingBy(orchestrator)) ? true : undefined),
              30_000,
              100,
            );
          }
          times.push(await killAndTime(cluster, serving(cluster)));
        }
        samples.set(variant, [...(samples.get(variant) ?? []), ...times]);
        const line = `round ${round + 1} ${variant}: ${times.map((t) => fixed(t, 1)).join(', ')} ms`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (variant: Variant): number => median(samples.get(variant) ?? []);
  return [
    `## Warm spares: SIGKILL -> served again, 1 worker (median of ${rounds} rounds x ${kills} kills)`,
    '',
    table(
      ['contender', 'median (ms)', 'vs raw respawn'],
      VARIANTS.map((variant) => [variant, fixed(med(variant), 1), ratio(med(variant), med('raw'))]),
    ),
    '',
    'Target: a spare <= 0.5x raw. Wall-clock: noisy on the busy machine, compare within this run only.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
