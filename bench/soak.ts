/**
 * Soak (not in CI): `orchestrator up` with 2 workers under paced keep-alive load for N minutes, a rolling
 * reload (SIGHUP) every 30 s and a SIGKILL of a random worker every 5 s; each minute it samples the primary's
 * RSS and the failed requests. Afterwards: is the group at full strength, did anything outlive the primary.
 *
 *   npx node bench/soak.ts [--minutes 30] [--rate 1000] [--connections 16] [--workers 2] [--log FILE]
 *
 * --log FILE keeps the primary's whole log (JSON lines) for a post-mortem.
 *
 * Failed requests are split by cause: those that started while a reload was rolling, and the rest (the
 * in-flight requests of the killed workers: a SIGKILLed worker cannot answer what it had already accepted).
 */

import { writeFileSync } from 'node:fs';
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { startOrchestrator } from './lib/contenders.ts';
import { childPids, onCleanup, rssMb, runMain, sleep, until } from './lib/procs.ts';
import { startRequestLoad } from './lib/request-load.ts';
import { fixed, table } from './lib/stats.ts';

const minutes = numberFlag('minutes', 30);
const rate = numberFlag('rate', 1000);
const connections = numberFlag('connections', 16);
const workers = numberFlag('workers', 2);
const logIndex = process.argv.indexOf('--log');
const logFile = logIndex > 0 ? process.argv[logIndex + 1] : undefined;
const RELOAD_EVERY_MS = 30_000;
const KILL_EVERY_MS = 5_000;

await runMain(async () => {
  const port = await freePort();
  const cluster = await startOrchestrator({
    workers,
    port,
    // Kills every 5 s are far beyond the default crash-loop guard (10 restarts a minute): a real crash loop
    // would rightly fail the group. The soak is about leaks and drops, so it allows them, with a short delay.
    group: { backoff: { strategy: 'fixed', delayMs: 100 }, restart: { maxRestarts: 1000, windowMs: 60_000 } },
  });
  const primary = cluster.primaryPid;
  if (logFile) onCleanup(() => writeFileSync(logFile, `${cluster.up.raw.join('\n')}\n`));
  const startedAt = performance.now();
  const durationMs = minutes * 60_000;
  const load = startRequestLoad({
    url: cluster.url,
    connections,
    rate,
    durationMs: durationMs + 60_000,
    maxRequests: Math.ceil(rate * (minutes + 1) * 60),
  });
  const reloads: Array<[number, number]> = [];
  let kills = 0;
  let reloadsAborted = 0;
  let reloadsUnfinished = 0;
  const rows: string[][] = [];
  const rssAtStart = rssMb(primary);
  rows.push(['0', fixed(rssAtStart, 1), '0', '0', '0', '0', String(childPids(primary).length)]);
  process.stdout.write(
    `soak: ${minutes} min, ${rate} req/s over ${connections} connections, primary ${primary}\n`,
  );

  let reloading: Promise<void> = Promise.resolve();
  const killer = setInterval(() => {
    const pids = childPids(primary);
    const victim = pids[Math.floor(Math.random() * pids.length)];
    if (victim === undefined) return;
    try {
      process.kill(victim, 'SIGKILL');
      kills += 1;
    } catch {}
  }, KILL_EVERY_MS);
  // Reloads run 2.5 s out of step with the kills, so that not every reload starts with a kill.
  const reloadEvery = (): void => {
    reloading = reloading.then(async () => {
      const began = performance.now();
      const aborted = cluster.up.count((r) => r.msg === 'reload aborted');
      try {
        await cluster.reload();
      } catch (error) {
        reloadsUnfinished += 1;
        process.stderr.write(`reload: ${(error as Error).message.split('\n')[0]}\n`);
        return;
      }
      reloads.push([began, performance.now()]);
      if (cluster.up.count((r) => r.msg === 'reload aborted') > aborted) reloadsAborted += 1;
    });
  };
  let reloader: NodeJS.Timeout | undefined;
  const phase = setTimeout(
    () => {
      reloader = setInterval(reloadEvery, RELOAD_EVERY_MS);
    },
    RELOAD_EVERY_MS - KILL_EVERY_MS / 2,
  );

  let previousFailed = 0;
  try {
    for (let minute = 1; minute <= minutes; minute++) {
      await sleep(startedAt + minute * 60_000 - performance.now());
      const all = load.window(startedAt);
      const row = [
        String(minute),
        fixed(rssMb(primary), 1),
        String(all.ok),
        String(all.failed - previousFailed),
        String(kills),
        String(reloads.length),
        String(childPids(primary).length),
      ];
      previousFailed = all.failed;
      rows.push(row);
      process.stdout.write(`${row.join('\t')}\n`);
    }
  } finally {
    clearInterval(killer);
    clearTimeout(phase);
    clearInterval(reloader);
  }
  await reloading;
  await load.stop();
  const fullStrength = await until(
    'the group back at full strength',
    () => (childPids(primary).length === workers ? true : undefined),
    30_000,
  ).catch(() => false);
  const total = load.window(startedAt);
  let duringReloads = 0;
  for (const [from, to] of reloads) duringReloads += load.window(from, to).failed;
  const leftovers = await cluster.stop();

  process.stdout.write(
    `\n${table(['minute', 'primary RSS MB', 'ok (cumulative)', 'failed this minute', 'kills (cumulative)', 'reloads (cumulative)', 'workers'], rows)}\n\n`,
  );
  process.stdout.write(
    [
      `ran ${fixed((performance.now() - startedAt) / 60_000, 1)} min; ${total.ok} ok, ${total.failed} failed ${JSON.stringify(total.reasons)}`,
      `kills ${kills}, reloads ${reloads.length} (aborted by a kill: ${reloadsAborted}, not finished within 120 s: ${reloadsUnfinished}); failed requests that started during a reload: ${duringReloads}`,
      `primary RSS ${fixed(rssAtStart, 1)} MB at start; back at full strength: ${fullStrength}; processes left after stop: ${leftovers.length}`,
    ].join('\n'),
  );
  process.stdout.write('\n');
});
