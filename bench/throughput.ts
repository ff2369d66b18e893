/**
 * Throughput of the hello-world app under raw node:cluster, PM2 cluster mode and `orchestrator up` (2 workers
 * each), keep-alive and connection-per-request, alternating rounds; medians and ratios.
 * Targets: orchestrator >= 0.97x raw and >= 1.2x PM2.
 *
 *   npx node bench/throughput.ts [--rounds 3] [--duration 10] [--connections 50] [--workers 2]
 */
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { CONTENDERS, type ContenderName, start } from './lib/contenders.ts';
import { runMain } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, ratio, rotation, table } from './lib/stats.ts';
import { measureThroughput } from './lib/throughput-load.ts';

type Mode = 'keep-alive' | 'connection-per-request';
const MODES: readonly Mode[] = ['keep-alive', 'connection-per-request'];

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const durationSec = numberFlag('duration', 10);
  const connections = numberFlag('connections', 50);
  const workers = numberFlag('workers', 2);
  const samples = new Map<string, number[]>();
  const errors = new Map<string, number>();
  const key = (name: ContenderName, mode: Mode): string => `${name} ${mode}`;
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of rotation(CONTENDERS, round)) {
      const cluster = await start(name, { workers, port: await freePort() });
      try {
        // Warm-up: JIT, connection set-up, the first round-robin hand-offs.
        await measureThroughput({
          url: cluster.url,
          connections,
          durationSec: 2,
          connectionPerRequest: false,
        });
        for (const mode of MODES) {
          const result = await measureThroughput({
            url: cluster.url,
            connections,
            durationSec,
            connectionPerRequest: mode === 'connection-per-request',
          });
          samples.set(key(name, mode), [...(samples.get(key(name, mode)) ?? []), result.requestsPerSec]);
          errors.set(key(name, mode), (errors.get(key(name, mode)) ?? 0) + result.errors);
          const client =
            result.clientCpuShare === null
              ? ''
              : `, wrk CPU ${fixed(result.clientCpuShare * 100)}% of a core`;
          const line = `round ${round + 1} ${name} ${mode}: ${fixed(result.requestsPerSec)} req/s, p99 ${fixed(result.p99Ms, 2)} ms, ${result.errors} errors${client}`;
          log.push(line);
          process.stderr.write(`${line}\n`);
        }
      } finally {
        await cluster.stop();
      }
    }
  }
  const med = (name: ContenderName, mode: Mode): number => median(samples.get(key(name, mode)) ?? []);
  const rows = CONTENDERS.map((name) =>
    MODES.flatMap((mode) => [
      fixed(med(name, mode)),
      ratio(med(name, mode), med('raw', mode)),
      ratio(med(name, mode), med('pm2', mode)),
    ]),
  ).map((cells, i) => [CONTENDERS[i] as string, ...cells]);
  return [
    `## Throughput (${workers} workers, ${connections} connections, ${durationSec} s per run, median of ${rounds} rounds)`,
    '',
    table(
      [
        'contender',
        'keep-alive req/s',
        'vs raw',
        'vs PM2',
        'connection-per-request req/s',
        'vs raw',
        'vs PM2',
      ],
      rows,
    ),
    '',
    `Target: orchestrator >= 0.97x raw and >= 1.2x PM2. Errors: ${CONTENDERS.map((name) => `${name} ${MODES.map((mode) => errors.get(key(name, mode)) ?? 0).join('/')}`).join(', ')}.`,
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
