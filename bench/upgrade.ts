/**
 * `orchestrator upgrade` under load: failed requests per upgrade (target 0), how long the hand-over takes
 * (until the new primary serves alone, and until the old one has drained and exited), and the p99 latency
 * during the hand-over vs steady state just before it. Under keep-alive load and with a new connection per
 * request (every request through the primaries' accept), for a round-robin group (the primary's socket) and
 * an `os` group (the helper primary's shared socket). No other contender can do this (PM2 #5700), so the
 * orchestrator is measured alone.
 *
 *   npx node bench/upgrade.ts [--rounds 3] [--rate 2000] [--connections 32] [--workers 2]
 */
import { execFile } from 'node:child_process';
import { freePort } from '../test/helpers/free-port.ts';
import { numberFlag } from './lib/args.ts';
import { ORCHESTRATOR_CLI, startOrchestrator } from './lib/contenders.ts';
import { runMain, sleep } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { startRequestLoad } from './lib/request-load.ts';
import { fixed, median, table } from './lib/stats.ts';

interface Sample {
  readonly failed: number;
  readonly handOverMs: number;
  readonly oldGoneMs: number;
  readonly steadyP99: number;
  readonly upgradeP99: number;
}

function cli(args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ORCHESTRATOR_CLI, ...args],
      { cwd, timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const rate = numberFlag('rate', 2000);
  const connections = numberFlag('connections', 32);
  const workers = numberFlag('workers', 2);
  const samples = new Map<string, Sample[]>();
  const log: string[] = [];
  const kinds = (['round-robin', 'os'] as const).flatMap((scheduling) =>
    (
      [
        ['keep-alive', false],
        ['connection per request', true],
      ] as const
    ).map(([load, fresh]) => [`${scheduling}, ${load}`, scheduling, fresh] as const),
  );
  for (let round = 0; round < rounds; round++) {
    for (const [kind, scheduling, fresh] of kinds) {
      const cluster = await startOrchestrator({ workers, port: await freePort(), group: { scheduling } });
      const cwd = process.cwd();
      try {
        const load = startRequestLoad({
          url: cluster.url,
          connections,
          rate,
          fresh,
          durationMs: 120_000,
          maxRequests: rate * 120,
        });
        await sleep(1000); // connections open, JIT warm
        const steadyFrom = performance.now();
        await sleep(3000);
        // SIGUSR2 rather than the `upgrade` command: the command's own start-up (a Node process) is not the
        // hand-over's. The times come from the primaries' log records.
        const began = performance.now();
        const beganAt = Date.now();
        cluster.up.signal('SIGUSR2');
        const upgraded = await cluster.up.waitFor(
          (r) => typeof r.msg === 'string' && /^upgrade(d:| refused| failed)/.test(r.msg),
          120_000,
          'the upgrade to finish',
        );
        if (!String(upgraded.msg).startsWith('upgraded')) throw new Error(String(upgraded.msg));
        const stopped = await cluster.up.waitForMessage('old primary stopped', 120_000);
        const ended = performance.now();
        await sleep(1000); // the new workers' steady answers
        await load.stop();
        const all = load.window();
        const sample: Sample = {
          failed: all.failed,
          handOverMs: Number(upgraded.time) - beganAt,
          oldGoneMs: Number(stopped.time) - beganAt,
          steadyP99: load.window(steadyFrom, began).p99Ms,
          upgradeP99: load.window(began, ended).p99Ms,
        };
        samples.set(kind, [...(samples.get(kind) ?? []), sample]);
        const line = `round ${round + 1} ${kind}: ${all.ok} ok, ${all.failed} failed ${JSON.stringify(all.reasons)}, hand-over ${fixed(sample.handOverMs)} ms, old primary gone after ${fixed(sample.oldGoneMs)} ms, p99 steady ${fixed(sample.steadyP99, 1)} ms, during the upgrade ${fixed(sample.upgradeP99, 1)} ms`;
        log.push(line);
        process.stderr.write(`${line}\n`);
      } finally {
        // The running primary is the new one now: stop it through the control socket, then the run's leftovers.
        await cli(['down', '-c', cluster.configFile], cwd);
        await cluster.stop();
      }
    }
  }
  const rows = kinds.map(([kind]) => {
    const med = (pick: (sample: Sample) => number): number => median((samples.get(kind) ?? []).map(pick));
    return [
      kind,
      fixed(
        med((s) => s.failed),
        1,
      ),
      fixed(med((s) => s.handOverMs)),
      fixed(med((s) => s.oldGoneMs)),
      fixed(
        med((s) => s.steadyP99),
        1,
      ),
      fixed(
        med((s) => s.upgradeP99),
        1,
      ),
      `${fixed(
        med((s) => s.upgradeP99 / s.steadyP99),
        2,
      )}x`,
    ];
  });
  return [
    `## orchestrator upgrade under load (${workers} workers, ${connections} connections, ${rate} req/s, median of ${rounds} rounds)`,
    '',
    table(
      [
        'scheduling, load',
        'failed requests per upgrade',
        'until the new primary serves alone (ms)',
        'until the old one exited (ms)',
        'p99 steady (ms)',
        'p99 during the upgrade (ms)',
        'upgrade / steady',
      ],
      rows,
    ),
    '',
    'Target: 0 failed requests per upgrade.',
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
