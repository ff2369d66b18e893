/**
 * Scheduling side by side: raw node:cluster (round-robin), the orchestrator with `scheduling: 'round-robin'`
 * and with `scheduling: 'reusePort'`, on the same hello-world app. Per run: wrk throughput with keep-alive and
 * with a new connection per request (and wrk's own CPU share), then connection-per-request load with
 * `--reloads` rolling reloads in the middle, counting every failed request (wrk's socket errors: a reset
 * connection is a read error). Whether a closing reusePort listener's queued connections are migrated
 * depends on net.ipv4.tcp_migrate_req, printed with the results (run it once with each setting, e.g. in a
 * network namespace: `ip netns exec NS npx node bench/scheduling.ts`).
 *
 *   npx node bench/scheduling.ts [--rounds 3] [--duration 8] [--connections 50] [--reloads 3]
 */
import { execFile } from 'node:child_process';
import { migratesRequests } from '../src/primary/migrate-req.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { type Running, start } from './lib/contenders.ts';
import { runMain, sleep } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, ratio, rotation, table } from './lib/stats.ts';
import { measureThroughput } from './lib/throughput-load.ts';

type Variant = 'raw' | 'round-robin' | 'reusePort';
const VARIANTS: readonly Variant[] = ['raw', 'round-robin', 'reusePort'];

interface Sample {
  readonly keepAlive: number;
  readonly perRequest: number;
  readonly wrkCpu: number;
  readonly reloadFailures: number;
  readonly reloadRequests: number;
}

function launch(variant: Variant, workers: number, port: number): Promise<Running> {
  if (variant === 'raw') return start('raw', { workers, port });
  return start('orchestrator', { workers, port, group: { scheduling: variant } });
}

/** Connection-per-request wrk load for `seconds`, with `reloads` reloads spread over its middle. */
async function failuresDuringReloads(
  cluster: Running,
  seconds: number,
  reloads: number,
): Promise<{ requests: number; failures: number }> {
  const wrk = new Promise<string>((resolve, reject) =>
    execFile(
      'wrk',
      ['-t1', '-c20', `-d${seconds}s`, '-H', 'Connection: close', cluster.url],
      { timeout: (seconds + 30) * 1000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    ),
  );
  await sleep(1000);
  for (let i = 0; i < reloads; i++) await cluster.reload();
  const out = await wrk;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const failures =
    (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) +
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0), failures };
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const durationSec = numberFlag('duration', 8);
  const connections = numberFlag('connections', 50);
  const reloads = numberFlag('reloads', 3);
  const workers = numberFlag('workers', 2);
  const samples = new Map<Variant, Sample[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const variant of rotation(VARIANTS, round)) {
      const cluster = await launch(variant, workers, await freePort());
      try {
        const measure = (connectionPerRequest: boolean) =>
          measureThroughput({ url: cluster.url, connections, durationSec, connectionPerRequest });
        await measureThroughput({
          url: cluster.url,
          connections,
          durationSec: 2,
          connectionPerRequest: false,
        });
        const keepAlive = await measure(false);
        const perRequest = await measure(true);
        const reload = await failuresDuringReloads(cluster, durationSec, reloads);
        const sample: Sample = {
          keepAlive: keepAlive.requestsPerSec,
          perRequest: perRequest.requestsPerSec,
          wrkCpu: ((keepAlive.clientCpuShare ?? Number.NaN) + (perRequest.clientCpuShare ?? Number.NaN)) / 2,
          reloadFailures: reload.failures,
          reloadRequests: reload.requests,
        };
        samples.set(variant, [...(samples.get(variant) ?? []), sample]);
        const line = `round ${round + 1} ${variant}: keep-alive ${fixed(sample.keepAlive)} req/s (wrk ${fixed(100 * (keepAlive.clientCpuShare ?? 0))}% of a core), connection-per-request ${fixed(sample.perRequest)} req/s (wrk ${fixed(100 * (perRequest.clientCpuShare ?? 0))}%), ${reload.failures} failed of ${reload.requests} during ${reloads} reloads`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (variant: Variant, pick: (s: Sample) => number): number =>
    median((samples.get(variant) ?? []).map(pick));
  const rows = VARIANTS.map((variant) => [
    variant === 'raw' ? 'raw node:cluster' : `orchestrator ${variant}`,
    fixed(med(variant, (s) => s.keepAlive)),
    fixed(med(variant, (s) => s.perRequest)),
    ratio(
      med(variant, (s) => s.perRequest),
      med('round-robin', (s) => s.perRequest),
    ),
    `${fixed(100 * med(variant, (s) => s.wrkCpu))}%`,
    fixed(
      med(variant, (s) => s.reloadFailures),
      0,
    ),
  ]);
  const migrate = migratesRequests();
  return [
    `## Scheduling (${workers} workers, ${connections} connections, ${durationSec} s per run, median of ${rounds} rounds; net.ipv4.tcp_migrate_req = ${migrate === null ? 'unknown' : migrate ? 1 : 0})`,
    '',
    table(
      [
        'contender',
        'keep-alive req/s',
        'connection-per-request req/s',
        'vs orchestrator round-robin',
        'wrk CPU (of a core)',
        `failed requests in ${reloads} reloads (connection-per-request)`,
      ],
      rows,
    ),
    '',
    'Target: reusePort >= 1.8x round-robin on connection-per-request; no failed request during reloads.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
