/**
 * Every benchmark scenario in one run, then one report (Markdown, ready for docs/benchmarks.md). Flags go to
 * each scenario (e.g. --rounds 5). `npm run bench` builds first, so the orchestrator runs from dist/.
 *
 *   npx node bench/run-all.ts [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import { run as coldStart } from './cold-start.ts';
import { run as footprint } from './footprint.ts';
import { run as hotApply } from './hot-apply.ts';
import { describeMachine } from './lib/machine.ts';
import { runMain } from './lib/procs.ts';
import { run as longLived } from './long-lived.ts';
import { run as memory } from './memory.ts';
import { run as reload } from './reload.ts';
import { run as requestStats } from './request-stats.ts';
import { run as respawn } from './respawn.ts';
import { run as scaleOut } from './scale-out.ts';
import { run as spares } from './spares.ts';
import { run as throughput } from './throughput.ts';
import { run as upgrade } from './upgrade.ts';

await runMain(async () => {
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  const sections = [`Machine: ${describeMachine()}`];
  const scenarios = {
    throughput,
    requestStats,
    reload,
    longLived,
    respawn,
    spares,
    footprint,
    coldStart,
    memory,
    hotApply,
    scaleOut,
    upgrade,
  };
  for (const [name, scenario] of Object.entries(scenarios)) {
    process.stderr.write(`\n== ${name}\n`);
    const began = performance.now();
    sections.push(await scenario());
    process.stderr.write(`== ${name} took ${((performance.now() - began) / 1000).toFixed(0)} s\n`);
    if (out) writeFileSync(out, `${sections.join('\n\n')}\n`);
  }
  process.stdout.write(`\n${sections.join('\n\n')}\n`);
});
