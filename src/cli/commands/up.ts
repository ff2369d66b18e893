import { resolve } from 'node:path';
import { formatConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { claimSocketPath } from '../../primary/control/claim.ts';
import { controlSocketPath } from '../../primary/control/socket-path.ts';
import { SetupError } from '../../primary/setup-error.ts';
import { successorFromEnvironment } from '../../primary/upgrade/successor.ts';
import { parseCommandArgs } from '../args.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator up [-c FILE] [--socket PATH]

Runs the cluster in the foreground until SIGTERM or SIGINT, then drains every worker and exits.
A second SIGINT kills the workers at once. SIGHUP re-reads the config and rolls every group.
With \`watch: true\` (the default) every save of the config file is applied live.
Logs are JSON lines when stdout is not a terminal, readable lines with worker prefixes when it is.

Options:
  -c, --config FILE    the config file (default: discovered in the current folder, as for validate)
      --socket PATH    the control socket (default: derived from the config file's path)
  -h, --help           show this help

Exit status: 0 after a clean shutdown, 1 invalid config or already running, 2 usage error,
130 killed by a second SIGINT.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'up',
    argv,
    {
      config: { type: 'string', short: 'c' },
      socket: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    HELP,
    io,
  );
  if (!args.ok) return args.exitCode;
  // Started by `orchestrator upgrade` from a running primary: listening from the start, so nothing is missed.
  const successor = successorFromEnvironment();

  // The config loads in its own process; meanwhile this one loads the primary's modules (a cold start
  // waited for both in turn: docs/benchmarks.md).
  const loading = loadConfig({ file: args.values.config, cwd: io.cwd });
  const primary = importPrimary();
  // Awaited below once the config is valid; an early return must not leave its failure unhandled.
  primary.catch(() => undefined);
  const loaded = await loading;
  if (!loaded.ok) {
    // Nothing has started: a bad config never forks a worker.
    for (const error of loaded.errors) io.stderr.write(`${formatConfigError(error)}\n`);
    const [first] = loaded.errors;
    successor?.failed(`the config is invalid: ${first ? formatConfigError(first) : 'unknown error'}`);
    return EXIT.failed;
  }
  // The path as given, not where it leads now: a symlinked config (a Kubernetes ConfigMap, a deploy tool's
  // `current -> releases/N`) is followed afresh on every read, and the control socket stays where the
  // commands run with the same `-c` look for it.
  const file = resolve(io.cwd, loaded.file);
  const controlPath = args.values.socket ?? controlSocketPath(file);
  // A new primary listens next to the running one's socket until it takes the path over (docs/upgrade.md).
  const socketPath = successor ? successor.stagingPath(controlPath) : controlPath;
  const claim = await claimSocketPath(socketPath);
  if (!claim.ok) {
    io.stderr.write(`orchestrator up: ${claim.reason} (${file}, control socket ${socketPath})\n`);
    successor?.failed(claim.reason);
    return EXIT.failed;
  }

  const { createLogger, LogRing, runCluster } = await primary;
  const logger = createLogger({ ring: new LogRing() });
  try {
    return await runCluster({
      config: loaded.config,
      file,
      logger,
      socketPath,
      ...(successor ? { takeOver: { successor, socketPath: controlPath } } : {}),
    });
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    io.stderr.write(`orchestrator up: ${error.message}\n`);
    return EXIT.failed;
  } finally {
    logger.flushSync();
  }
}

async function importPrimary() {
  const [{ LogRing }, { createLogger }, { runCluster }] = await Promise.all([
    import('../../primary/logging/log-ring.ts'),
    import('../../primary/logging/logger.ts'),
    import('../../primary/run-cluster.ts'),
  ]);
  return { LogRing, createLogger, runCluster };
}
