import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { relative } from 'node:path';
import { ORCHESTRATOR_CLI } from './contenders.ts';
import { LOAD_GENERATOR } from './throughput-load.ts';

/** One paragraph saying where and how the numbers were taken. */
export function describeMachine(): string {
  return [
    `${new Date().toISOString()} | ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB | Node ${process.version} | load generator: ${LOAD_GENERATOR} | ` +
      `orchestrator: ${relative(process.cwd(), ORCHESTRATOR_CLI)} | load average at start: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
  ].join('\n');
}
