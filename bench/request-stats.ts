/**
 * What counting requests in the worker runtime costs: the hello-world app under `orchestrator up` (2 workers,
 * keep-alive) with nothing counted, with `metrics.http: true`, and with `recycle.afterRequests` set (so high
 * it never fires: only the counting is measured), side by side, taking turns in short bursts; medians and per-round ratios to "off".
 * Target: <= 3 % fewer requests per second than off.
 *
 *   npx node bench/request-stats.ts [--rounds 15] [--duration 3] [--connections 50] [--workers 2]
 */
import { loadavg } from 'node:os';
import { processCpuSeconds } from '../src/primary/proc-cpu.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { startOrchestrator } from './lib/contenders.ts';
import { runMain } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, rotation, table } from './lib/stats.ts';
import { measureThroughput } from './lib/throughput-load.ts';

type Variant = 'off' | 'metrics.http' | 'recycle.afterRequests';
const VARIANTS: readonly Variant[] = ['off', 'metrics.http', 'recycle.afterRequests'];

async function settings(
  variant: Variant,
): Promise<{ top?: Record<string, unknown>; group?: Record<string, unknown> }> {
  switch (variant) {
    case 'off':
      return {};
    case 'metrics.http':
      return { top: { metrics: { port: await freePort(), http: true } } };
    case 'recycle.afterRequests':
      return { group: { recycle: { afterRequests: 1_000_000_000 } } };
  }
}

/** User + system CPU seconds of these processes so far (from /proc). */
function workersCpu(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (processCpuSeconds(pid) ?? 0), 0);
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 15);
  const durationSec = numberFlag('duration', 3);
  const connections = numberFlag('connections', 50);
  const workers = numberFlag('workers', 2);
  const samples = new Map<Variant, number[]>();
  const p99s = new Map<Variant, number[]>();
  const ratios = new Map<Variant, number[]>();
  const cpuPerRequest = new Map<Variant, number[]>();
  const log: string[] = [
    `load average at start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  ];
  // All three run side by side and take turns in short bursts: on a shared machine whose load drifts, each
  // round's three bursts see about the same load, so the per-round ratio to "off" is what is compared.
  const clusters = new Map<Variant, Awaited<ReturnType<typeof startOrchestrator>>>();
  try {
    for (const variant of VARIANTS)
      clusters.set(
        variant,
        await startOrchestrator({ workers, port: await freePort(), ...(await settings(variant)) }),
      );
    for (const cluster of clusters.values())
      await measureThroughput({ url: cluster.url, connections, durationSec: 2, connectionPerRequest: false });
    for (let round = 0; round < rounds; round++) {
      const perRound = new Map<Variant, number>();
      for (const variant of rotation(VARIANTS, round)) {
        const cluster = clusters.get(variant);
        if (cluster === undefined) continue;
        const cpuBefore = workersCpu(cluster.workerPids());
        const result = await measureThroughput({
          url: cluster.url,
          connections,
          durationSec,
          connectionPerRequest: false,
        });
        // CPU time the workers spent per request: what the counting adds to each request, and far less
        // sensitive to the other load on the machine than requests per second.
        const cpuUs =
          ((workersCpu(cluster.workerPids()) - cpuBefore) * 1e6) / (result.requestsPerSec * durationSec);
        cpuPerRequest.set(variant, [...(cpuPerRequest.get(variant) ?? []), cpuUs]);
        perRound.set(variant, result.requestsPerSec);
        samples.set(variant, [...(samples.get(variant) ?? []), result.requestsPerSec]);
        p99s.set(variant, [...(p99s.get(variant) ?? []), result.p99Ms]);
        const line = `round ${round + 1} ${variant}: ${fixed(result.requestsPerSec)} req/s, p99 ${fixed(result.p99Ms, 2)} ms, worker CPU ${fixed(cpuUs, 1)} µs/request, ${result.errors} errors, load ${loadavg()[0]?.toFixed(2)}`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      }
      const off = perRound.get('off') ?? Number.NaN;
      for (const [variant, rps] of perRound) ratios.set(variant, [...(ratios.get(variant) ?? []), rps / off]);
    }
  } finally {
    for (const cluster of clusters.values()) await cluster.stop();
  }
  const med = (variant: Variant): number => median(samples.get(variant) ?? []);
  return [
    `## Request counting (${workers} workers each, ${connections} keep-alive connections, ${durationSec} s bursts taking turns, ${rounds} rounds)`,
    '',
    table(
      [
        'counting',
        'median req/s',
        'median of per-round ratios to off',
        'worker CPU µs/request (median)',
        'vs off',
        'median p99 ms',
      ],
      VARIANTS.map((variant) => [
        variant,
        fixed(med(variant)),
        `${median(ratios.get(variant) ?? []).toFixed(3)}x`,
        fixed(median(cpuPerRequest.get(variant) ?? []), 1),
        `${(median(cpuPerRequest.get(variant) ?? []) / median(cpuPerRequest.get('off') ?? [])).toFixed(3)}x`,
        fixed(median(p99s.get(variant) ?? []), 2),
      ]),
    ),
    '',
    'Target: >= 0.97x off in throughput, i.e. at most ~3 % more worker CPU per request.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
