/**
 * Renders the JSON a full matrix run writes (FAULT_REPORT) as the Markdown tables of docs/reliability.md:
 *   node test/faults/render.ts results.json > tables.md
 */
import { readFileSync } from 'node:fs';
import { AROUND, type AroundResult } from './around.ts';
import { FAULTS } from './harness.ts';
import { type CellResult, MOMENTS, notApplicable, type ProcessKind } from './matrix.ts';

const all = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Array<CellResult | AroundResult>;
const results = all.filter((r): r is CellResult => !('around' in r));
const around = all.filter((r): r is AroundResult => 'around' in r);
const PROCESSES: readonly ProcessKind[] = ['worker', 'helper', 'primary'];
const TITLES: Record<ProcessKind, string> = {
  worker: 'A worker (round-robin group `web`; bystander group `side`)',
  helper: 'The helper primary of an `os` group (`api`; bystander group `web`)',
  primary: 'The `up` primary itself',
};

const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

function cellText(r: CellResult | undefined, reason: string | null): string {
  if (reason !== null) return 'n/a';
  if (r === undefined) return 'not run';
  const mark = r.problems.length === 0 ? '✔' : '✘';
  // No bound where the cluster is meant to stop (a shutdown, a dead primary): what arrives then is refused.
  const lost =
    Number.isNaN(r.lostBound) || r.lostBound === null ? 'stopping' : `${r.lost}/${r.lostBound} lost`;
  const refused = r.refused > 0 ? ` +${r.refused} refused` : '';
  return `${mark} ${seconds(r.convergeMs)}, ${lost}${refused}`;
}

const out: string[] = [];
for (const p of PROCESSES) {
  out.push(`### ${TITLES[p]}`, '');
  out.push(`| fault \\ moment | ${MOMENTS.join(' | ')} |`);
  out.push(`| --- | ${MOMENTS.map(() => '---').join(' | ')} |`);
  for (const f of FAULTS) {
    const cells = MOMENTS.map((m) =>
      cellText(
        results.find((r) => r.process === p && r.moment === m && r.fault === f),
        notApplicable({ process: p, moment: m, fault: f }),
      ),
    );
    out.push(`| ${f} | ${cells.join(' | ')} |`);
  }
  out.push('');
}

out.push('### Around the primary', '');
out.push('| fault | must happen | converged | lost (bound) | measured | logged | result |');
out.push('| --- | --- | --- | --- | --- | --- | --- |');
for (const fault of AROUND) {
  const r = around.find((a) => a.around === fault);
  if (r === undefined) {
    out.push(`| ${fault} | | not run | | | | |`);
    continue;
  }
  const result = r.problems.length === 0 ? 'green' : `red: ${r.problems.join('; ').replace(/\|/g, '/')}`;
  out.push(
    `| ${fault} | ${r.expected} | ${seconds(r.convergeMs)} | ${r.lost} (${r.lostBound}) | ${r.measured} | ${r.events.join(', ')} | ${result} |`,
  );
}
out.push('');

out.push('### Every cell: what must happen, and what the primary logged', '');
out.push(
  '| process | moment | fault | must happen | logged | converged | lost (bound) | refused | bystander lost | result |',
);
out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const bound = Number.isNaN(r.lostBound) || r.lostBound === null ? 'stopping' : String(r.lostBound);
  const result = r.problems.length === 0 ? 'green' : `red: ${r.problems.join('; ').replace(/\|/g, '/')}`;
  out.push(
    `| ${r.process} | ${r.moment} | ${r.fault} | ${r.expected} | ${r.events.join(', ')} | ${seconds(r.convergeMs)} | ${r.lost} (${bound}) | ${r.refused ?? 0} | ${r.bystanderLost} | ${result} |`,
  );
}
process.stdout.write(`${out.join('\n')}\n`);
