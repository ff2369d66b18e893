import { formatConfigError } from '../../config/errors.ts';
import { DEFAULT_LOAD_TIMEOUT_MS, loadConfig } from '../../config/load.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator validate [-c FILE] [--timeout MS]

Checks the config (found in the current folder, or FILE) and prints each problem as
FILE: path.to.key: message

Options:
  -c, --config FILE   the config file (default: cluster.config.ts, .mts, .js, .mjs, .cjs, .json, .yaml,
                      .yml in the current folder, then package.json "orchestrator", .orchestratorrc*)
      --timeout MS    how long the config may take to load (default ${DEFAULT_LOAD_TIMEOUT_MS})
  -h, --help          show this help

Exit status: 0 valid, 1 invalid, 2 usage error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'validate',
    argv,
    {
      config: { type: 'string', short: 'c' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    HELP,
    io,
  );
  if (!args.ok) return args.exitCode;
  const timeoutMs = args.values.timeout === undefined ? undefined : Number(args.values.timeout);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    return usageError(
      'validate',
      `--timeout must be a whole number of ms > 0, got '${args.values.timeout}'`,
      io,
    ).exitCode;
  }

  const result = await loadConfig({ file: args.values.config, cwd: io.cwd, timeoutMs });
  if (!result.ok) {
    for (const error of result.errors) io.stderr.write(`${formatConfigError(error)}\n`);
    const n = result.errors.length;
    io.stderr.write(`${n} problem${n === 1 ? '' : 's'} found.\n`);
    return EXIT.failed;
  }
  const groups = Object.entries(result.config.groups).map(
    ([name, group]) => `${name} (count ${group.count})`,
  );
  io.stdout.write(`${result.file}: valid; groups: ${groups.join(', ')}\n`);
  return EXIT.ok;
}
