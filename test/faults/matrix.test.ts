import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { AROUND, type AroundResult, runAround } from './around.ts';
import { FAULTS, type FaultKind } from './harness.ts';
import {
  type CellResult,
  MOMENTS,
  type Moment,
  notApplicable,
  type ProcessKind,
  runScenario,
} from './matrix.ts';

/**
 * The fault matrix (docs/reliability.md). `npm test` runs a sample of it (SAMPLE below: one cell of every
 * fault and every moment, over the three processes); `npm run test:faults` (FAULT_MATRIX=full) runs every
 * cell and, with FAULT_REPORT=FILE, writes the results there as JSON for the page. FAULT_ONLY=process/moment
 * (or `around`, `around/<fault>`) narrows a run while working on it. The cells around the primary (around.ts)
 * run in both.
 */
const FULL = process.env.FAULT_MATRIX === 'full';
const ONLY = process.env.FAULT_ONLY?.split(',');
const KINDS = process.env.FAULT_KINDS?.split(',');
const PROCESSES: readonly ProcessKind[] = ['worker', 'helper', 'primary'];

const SAMPLE: ReadonlyArray<readonly [ProcessKind, Moment, readonly FaultKind[]]> = [
  ['worker', 'serving', ['sigkill', 'sigstop', 'disconnect', 'close-stdio']],
  ['worker', 'reload-drain', ['exit0', 'throw']],
  ['worker', 'backoff', ['exit1', 'block']],
  ['worker', 'booting', ['sigkill']],
  ['worker', 'waiting-ready', ['exit1']],
  ['worker', 'scale-down-drain', ['sigkill']],
  ['helper', 'serving', ['sigkill']],
  ['primary', 'shutdown', ['sigkill']],
  ['primary', 'serving', ['block']],
];

function scenarios(): Array<readonly [ProcessKind, Moment, readonly FaultKind[]]> {
  const all: Array<readonly [ProcessKind, Moment, readonly FaultKind[]]> = FULL
    ? PROCESSES.flatMap((p) =>
        MOMENTS.map(
          (m) =>
            [
              p,
              m,
              FAULTS.filter((f) => notApplicable({ process: p, moment: m, fault: f }) === null),
            ] as const,
        ),
      )
    : [...SAMPLE];
  return all
    .map(([p, m, faults]) => [p, m, faults.filter((f) => KINDS === undefined || KINDS.includes(f))] as const)
    .filter(
      ([p, m, faults]) =>
        faults.length > 0 && (ONLY === undefined || ONLY.includes(`${p}/${m}`) || ONLY.includes(p)),
    );
}

describe(`fault matrix (${FULL ? 'every cell' : 'sampled'})`, function () {
  this.timeout(600_000);
  const results: Array<CellResult | AroundResult> = [];
  after(() => {
    if (process.env.FAULT_REPORT)
      writeFileSync(process.env.FAULT_REPORT, `${JSON.stringify(results, null, 1)}\n`);
  });

  // Around the primary: cheap (one run each, ~10-30 s), so every cell runs in `npm test` too.
  for (const fault of AROUND.filter(
    (f) => ONLY === undefined || ONLY.includes('around') || ONLY.includes(`around/${f}`),
  )) {
    it(`around the primary: ${fault}`, async () => {
      const cell = await runAround(fault);
      results.push(cell);
      expect(
        cell.problems,
        `${fault}: ${cell.problems.join(' | ')} [${cell.events.join(', ')}]`,
      ).to.deep.equal([]);
    });
  }

  for (const [process_, moment, faults] of scenarios()) {
    it(`${process_} / ${moment}: ${faults.join(', ')}`, async () => {
      const cells = await runScenario(process_, moment, faults);
      results.push(...cells);
      const failed = cells
        .filter((c) => c.problems.length > 0)
        .map(
          (c) => `${c.process}/${c.moment}/${c.fault}: ${c.problems.join(' | ')} [${c.events.join(', ')}]`,
        );
      expect(failed, failed.join('\n')).to.deep.equal([]);
    });
  }
});
