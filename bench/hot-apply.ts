/**
 * Hot-apply (orchestrator only: neither raw node:cluster nor PM2 applies a config edit to a running
 * cluster): the config file is saved with a changed `env`, and the clock runs until the first new worker
 * listens, and until the roll finished. If the file watcher does not react within 3 s, the run says so and
 * falls back to SIGHUP (then the time measures SIGHUP -> ready instead, and the table says that).
 *
 *   npx node bench/hot-apply.ts [--edits 5] [--workers 2]
 */
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { startOrchestrator } from './lib/contenders.ts';
import { runMain, sleep, until } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, table } from './lib/stats.ts';

export async function run(): Promise<string> {
  const edits = numberFlag('edits', 5);
  const workers = numberFlag('workers', 2);
  const cluster = await startOrchestrator({ workers, port: await freePort() });
  const applied = (): number => cluster.up.count((r) => r.msg === 'config applied');
  const rolled = (): number => cluster.up.count((r) => r.msg === 'rollout finished');
  const toReady: number[] = [];
  const toRolled: number[] = [];
  let watcherMissed = 0;
  const log: string[] = [];
  try {
    for (let edit = 1; edit <= edits; edit++) {
      await sleep(1000);
      const listened = cluster.listenedPids().length;
      const appliedBefore = applied();
      const rolledBefore = rolled();
      const web = cluster.config.groups.web;
      const next = { groups: { web: { ...web, env: { ...(web.env as object), MARKER: `edit-${edit}` } } } };
      cluster.writeConfig(next);
      let saved = performance.now();
      const noticed = await until(
        'the watcher',
        () => (applied() > appliedBefore ? true : undefined),
        3000,
        2,
      ).catch(() => false);
      if (!noticed) {
        watcherMissed += 1;
        saved = performance.now();
        cluster.up.signal('SIGHUP');
      }
      await until(
        'a new worker listening',
        () => (cluster.listenedPids().length > listened ? true : undefined),
        60_000,
        2,
      );
      toReady.push(performance.now() - saved);
      await until('the roll to finish', () => (rolled() > rolledBefore ? true : undefined), 120_000, 2);
      toRolled.push(performance.now() - saved);
      const line = `edit ${edit}: ${noticed ? 'saved' : 'SIGHUP'} -> first new worker listening ${fixed(toReady.at(-1) as number)} ms, roll finished ${fixed(toRolled.at(-1) as number)} ms`;
      log.push(line);
      process.stderr.write(`${line}\n`);
    }
  } finally {
    await cluster.stop();
  }
  const trigger =
    watcherMissed === 0 ? 'config saved' : `SIGHUP (the watcher missed ${watcherMissed} of ${edits} saves)`;
  return [
    `## Hot-apply: ${trigger} -> new worker ready (${workers} workers, env change, median of ${edits} edits)`,
    '',
    table(
      ['contender', 'first new worker listening (ms)', 'every worker replaced (ms)'],
      [['orchestrator', fixed(median(toReady)), fixed(median(toRolled))]],
    ),
    '',
    'Raw node:cluster and PM2 have no equivalent (PM2 `reload` does not apply config changes, #1650, #3742).',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
