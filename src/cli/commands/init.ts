import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { initTemplate, STARTER_SERVER } from '../init-template.ts';
import { type CliIo, EXIT } from '../io.ts';

const CONFIG_NAME = 'cluster.config.ts';
const STARTER_NAME = 'server.mjs';

const HELP = `Usage: orchestrator init

Writes a commented ${CONFIG_NAME} in the current folder, with every option at its default.
Its entry is package.json "main" or the first of server.*, index.*, src/server.*, src/index.* found;
with none of them, a minimal ${STARTER_NAME} is written too. Never overwrites a file.

Options:
  -h, --help   show this help

Exit status: 0 written, 1 ${CONFIG_NAME} already exists, 2 usage error.
`;

const CANDIDATES = ['server', 'index', 'src/server', 'src/index'].flatMap((base) =>
  ['.ts', '.mts', '.js', '.mjs', '.cjs'].map((ext) => `${base}${ext}`),
);

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('init', argv, { help: { type: 'boolean', short: 'h' } }, HELP, io);
  if (!args.ok) return args.exitCode;

  const target = join(io.cwd, CONFIG_NAME);
  if (existsSync(target)) {
    io.stderr.write(`orchestrator init: ${target} already exists; not overwriting it\n`);
    return EXIT.failed;
  }
  let entry = findEntry(io.cwd);
  if (entry === undefined) {
    entry = `./${STARTER_NAME}`;
    writeFileSync(join(io.cwd, STARTER_NAME), STARTER_SERVER, { flag: 'wx' });
    io.stdout.write(`wrote ${join(io.cwd, STARTER_NAME)} (a starter server)\n`);
  }
  // 'wx' fails instead of overwriting if the file appeared meanwhile.
  writeFileSync(target, initTemplate(entry), { flag: 'wx' });
  io.stdout.write(`wrote ${target} (entry ${entry})\n${nextSteps(io.cwd)}`);
  return EXIT.ok;
}

/**
 * What to type next. The config imports `cluster-orchestrator`, so a project without it (init run through
 * `npx cluster-orchestrator` or a global install) must install it before anything can read the config; the
 * commands are shown as `npx orchestrator`, since a local install puts no `orchestrator` on PATH.
 */
function nextSteps(cwd: string): string {
  const steps = ['npx orchestrator validate', 'npx orchestrator up'];
  if (!resolvesPackage(cwd)) steps.unshift('npm i cluster-orchestrator');
  return `next: ${steps.join(', then ')}\n`;
}

function resolvesPackage(cwd: string): boolean {
  try {
    createRequire(join(cwd, 'cluster.config.ts')).resolve('cluster-orchestrator/package.json');
    return true;
  } catch {
    return false;
  }
}

function findEntry(cwd: string): string | undefined {
  try {
    const main = (JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { main?: unknown }).main;
    if (typeof main === 'string' && /\.(?:[mc]?js|[mc]?ts)$/.test(main) && existsSync(join(cwd, main))) {
      return main.startsWith('.') ? main : `./${main}`;
    }
  } catch {
    // No package.json, or not JSON: fall back to the usual names.
  }
  const found = CANDIDATES.find((candidate) => existsSync(join(cwd, candidate)));
  return found === undefined ? undefined : `./${found}`;
}
