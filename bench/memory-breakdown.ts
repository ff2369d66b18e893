/**
 * Where the primary's memory goes: each line is a fresh Node process that imports one more layer of what
 * `orchestrator up` loads (cumulative), then reports its RSS once settled (median of `--rounds`). Imports
 * only, no workers: the difference between two lines is what that layer costs. Run after `npm run build`.
 *
 *   npx node bench/memory-breakdown.ts [--rounds 5]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { numberFlag } from './lib/args.ts';
import { describeMachine } from './lib/machine.ts';
import { fixed, median, table } from './lib/stats.ts';

const dist = (path: string): string => fileURLToPath(new URL(`../dist/${path}`, import.meta.url));

/** Each layer: a label and the statements it adds to the script before it. */
const LAYERS: readonly (readonly [string, string])[] = [
  ['bare node (an empty ES module)', ''],
  ['+ node:cluster (all raw node:cluster imports)', "await import('node:cluster');"],
  ['+ pino (the primary log)', "await import('pino');"],
  ['+ the logger (JSON lines)', `await import('${dist('primary/logging/logger.js')}');`],
  ['+ the supervisor (engine, hosts)', `await import('${dist('primary/supervisor.js')}');`],
  ['+ the control server (node:http)', `await import('${dist('primary/control/server.js')}');`],
  ['+ all of `up` (metrics, watch, status)', `await import('${dist('cli/commands/up.js')}');`],
  [
    '+ pino-pretty (only on a terminal)',
    `(await import('node:module')).createRequire('${dist('cli/main.js')}')('pino-pretty');`,
  ],
  [
    '+ zod, cosmiconfig (in the loader process only)',
    `await import('${dist('config/validate.js')}'); await import('${dist('config/read-config.js')}');`,
  ],
  [
    '+ a worker thread, started and terminated (the old loader)',
    "const { Worker } = await import('node:worker_threads'); const w = new Worker('', { eval: true }); await new Promise((r) => w.once('online', r)); await w.terminate();",
  ],
];

function rssOf(script: string): number {
  const settle =
    'await new Promise((r) => setTimeout(r, 300)); process.stdout.write(String(process.memoryUsage().rss));';
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `${script}\n${settle}`], {
    encoding: 'latin1',
  });
  return Number(out) / 1048576;
}

const rounds = numberFlag('rounds', 5);
const rows: string[][] = [];
let script = '';
let previous = 0;
for (const [label, statement] of LAYERS) {
  script += `${statement}\n`;
  const rss = median(Array.from({ length: rounds }, () => rssOf(script)));
  rows.push([
    label,
    fixed(rss, 1),
    rows.length === 0 ? '' : `${rss - previous >= 0 ? '+' : ''}${fixed(rss - previous, 1)}`,
  ]);
  previous = rss;
}
process.stdout.write(
  `${describeMachine()}\n\n${table(['layer (cumulative)', 'RSS (MB)', 'this layer (MB)'], rows)}\n`,
);
