/**
 * What `orchestrator logs` costs the primary: the time to keep one worker line in the ring (the only work
 * added on the path of every line), and the memory of full rings (1,000 lines / 256 KiB per group).
 *
 *   npx node --expose-gc bench/log-ring.ts [--groups 4] [--line 120]
 */
import { LogRing } from '../src/primary/logging/log-ring.ts';
import { numberFlag } from './lib/args.ts';

const groups = numberFlag('groups', 4);
const lineLength = numberFlag('line', 120);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const ring = new LogRing();
const tags = Array.from({ length: groups }, (_, i) => ({
  group: `g${i}`,
  index: 0,
  pid: 1000 + i,
  worker: i + 1,
}));
// Distinct strings, as worker output is: a line read from a pipe is a fresh string each time.
const line = (n: number): string => `${n} `.padEnd(lineLength, 'x');

const before = heapMb();
for (let n = 0; n < 5_000; n++) for (const t of tags) ring.appendLines(t, 'stdout', [line(n)]);
const full = heapMb();

const batches = 200_000;
// The same loop without the ring: what making the lines costs, taken off the result.
let sink = 0;
const baseline = process.hrtime.bigint();
for (let n = 0; n < batches; n++) sink += [line(n)].length;
const baselineNs = Number(process.hrtime.bigint() - baseline);
const started = process.hrtime.bigint();
for (let n = 0; n < batches; n++)
  ring.appendLines(tags[n % groups] as (typeof tags)[number], 'stdout', [line(n)]);
const nsPerLine = (Number(process.hrtime.bigint() - started) - baselineNs) / batches;
if (sink !== batches) throw new Error('unreachable');

const usage = [...ring.usage().values()];
console.log(
  JSON.stringify({
    groups,
    lineLength,
    keptLinesPerGroup: usage[0]?.lines,
    keptCostPerGroupKiB: Math.round((usage[0]?.bytes ?? 0) / 1024),
    heapOfFullRingsMb: Number((full - before).toFixed(2)),
    nsPerLine: Math.round(nsPerLine),
  }),
);
