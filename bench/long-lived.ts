/**
 * A reload with WebSocket clients connected (issue 16): 2 workers of an app using `ws` with no drain code,
 * N clients that reconnect as soon as their connection closes, then SIGHUP. Per run:
 * - the close codes the clients saw (1001 = closed politely, 1006 = cut with no close frame),
 * - the reconnect spread: first close to last close (one burst ~ 0 ms; spread ~ `shutdown.longLived.spreadMs`),
 * - how long after the new workers were ready ('rollout finished') the last client was closed,
 * - the drain: SIGHUP to the last old worker gone.
 *
 * `--before PATH` runs the same scenario with another build's CLI too (e.g. main's `dist/cli/main.js`), for
 * a before/after table; the config uses only keys both understand (the defaults).
 *
 *   npx node bench/long-lived.ts [--rounds 3] [--clients 10] [--before /path/to/dist/cli/main.js]
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from '../test/helpers/free-port.ts';
import { UpProcess } from '../test/helpers/up-process.ts';
import { numberFlag } from './lib/args.ts';
import { ORCHESTRATOR_CLI } from './lib/contenders.ts';
import { onCleanup, runMain, sleep, until } from './lib/procs.ts';
import { everyRun } from './lib/report.ts';
import { fixed, median, table } from './lib/stats.ts';

const APP = fileURLToPath(new URL('../test/fixtures/apps/long-lived-app.ts', import.meta.url));

interface Sample {
  readonly codes: Record<string, number>;
  readonly spreadMs: number;
  readonly lastCloseAfterReadyMs: number;
  readonly drainMs: number;
}

const waitUntil = (check: () => boolean, timeoutMs: number, what: string): Promise<true> =>
  until(what, () => (check() ? true : undefined), timeoutMs);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function once(cli: string, clients: number): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-long-lived-'));
  const port = await freePort();
  const config = join(dir, 'cluster.config.json');
  writeFileSync(
    config,
    JSON.stringify({ groups: { web: { entry: APP, count: 2, env: { PORT: String(port) } } } }),
  );
  const up = UpProcess.start(config, { cwd: dir, cli });
  const sockets = new Set<WebSocket>();
  let stopping = false;
  const stop = onCleanup(async () => {
    stopping = true;
    for (const socket of sockets) socket.terminate();
    await up.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    await up.waitForMessage('cluster ready', 30_000);
    const closes: { code: number; at: number; pid: number }[] = [];
    const current = new Map<number, number>(); // client -> pid serving it now
    const connect = (client: number): void => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
      sockets.add(socket);
      let pid = 0;
      socket.on('message', (data) => {
        if (pid !== 0) return;
        pid = (JSON.parse(String(data)) as { pid: number }).pid;
        current.set(client, pid);
      });
      socket.on('error', () => {});
      socket.on('close', (code) => {
        sockets.delete(socket);
        if (stopping) return;
        if (pid !== 0) closes.push({ code, at: performance.now(), pid });
        connect(client);
      });
    };
    for (let client = 0; client < clients; client++) connect(client);
    await waitUntil(() => current.size === clients, 15_000, 'every client connected');
    const oldPids = new Set(current.values());

    const hupAt = performance.now();
    up.signal('SIGHUP');
    await up.waitFor((r) => r.msg === 'rollout finished', 60_000, 'the reload');
    const readyAt = performance.now();
    await waitUntil(() => [...oldPids].every((pid) => !isAlive(pid)), 30_000, 'the old workers to exit');
    const goneAt = performance.now();
    await waitUntil(
      () => [...current.values()].every((pid) => !oldPids.has(pid)),
      15_000,
      'every client on a new worker',
    );

    const codes: Record<string, number> = {};
    for (const close of closes) codes[close.code] = (codes[close.code] ?? 0) + 1;
    const times = closes.map((close) => close.at);
    return {
      codes,
      spreadMs: Math.max(...times) - Math.min(...times),
      lastCloseAfterReadyMs: Math.max(...times) - readyAt,
      drainMs: goneAt - hupAt,
    };
  } finally {
    await stop();
  }
}

export async function run(): Promise<string> {
  const rounds = numberFlag('rounds', 3);
  const clients = numberFlag('clients', 10);
  const beforeIndex = process.argv.indexOf('--before');
  const before = beforeIndex > 0 ? process.argv[beforeIndex + 1] : undefined;
  if (before !== undefined && !existsSync(before)) throw new Error(`--before: no such file ${before}`);
  const builds: [string, string][] = [
    ...(before === undefined ? [] : ([['before', before]] as [string, string][])),
    ['after', ORCHESTRATOR_CLI],
  ];
  const samples = new Map<string, Sample[]>();
  const log: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [name, cli] of builds) {
      const sample = await once(cli, clients);
      samples.set(name, [...(samples.get(name) ?? []), sample]);
      const line = `round ${round + 1} ${name}: close codes ${JSON.stringify(sample.codes)}, reconnect spread ${fixed(sample.spreadMs)} ms, last close ${fixed(sample.lastCloseAfterReadyMs)} ms after the new workers were ready, SIGHUP to old workers gone ${fixed(sample.drainMs)} ms`;
      log.push(line);
      process.stderr.write(`${line}\n`);
      await sleep(500);
    }
  }
  const rows = builds.map(([name]) => {
    const mine = samples.get(name) ?? [];
    const codes: Record<string, number> = {};
    for (const sample of mine)
      for (const [code, n] of Object.entries(sample.codes)) codes[code] = (codes[code] ?? 0) + n;
    return [
      name,
      Object.entries(codes)
        .map(([code, n]) => `${code} x${n}`)
        .join(', '),
      fixed(median(mine.map((s) => s.spreadMs))),
      fixed(median(mine.map((s) => s.lastCloseAfterReadyMs))),
      fixed(median(mine.map((s) => s.drainMs))),
    ];
  });
  return [
    `## Reload with ${clients} WebSocket clients connected (2 workers, \`ws\` app, default config, median of ${rounds} rounds)`,
    '',
    table(
      [
        'build',
        'close codes (all rounds)',
        'reconnect spread, first to last close (ms)',
        'last close after new workers ready (ms)',
        'SIGHUP to old workers gone (ms)',
      ],
      rows,
    ),
    '',
    ...everyRun(log),
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
