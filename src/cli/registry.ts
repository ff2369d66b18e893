import type { Command, CommandRun } from './io.ts';

/**
 * A command whose module is imported only when it runs: `orchestrator up` then never loads what `validate`
 * or `export` need (the schema library alone is ~25 MB), which keeps the long-running primary small.
 */
function lazy(summary: string, load: () => Promise<{ run: CommandRun }>): Command {
  return { summary, run: async (argv, io) => (await load()).run(argv, io) };
}

/**
 * Every `orchestrator` command by name, in the order `--help` lists them. A new command is a module under
 * commands/ exporting `run`, added here with its one-line summary.
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  up: lazy('run the cluster in the foreground', () => import('./commands/up.ts')),
  status: lazy("show the running cluster's groups and workers", () => import('./commands/status.ts')),
  reload: lazy('re-read the config and roll groups in reload order', () => import('./commands/reload.ts')),
  scale: lazy("set groups' worker counts until the next config change", () => import('./commands/scale.ts')),
  logs: lazy("print (and follow) the running cluster's recent log lines", () => import('./commands/logs.ts')),
  top: lazy(
    'a live view of groups and workers, with keys to reload, scale and kill',
    () => import('./commands/top.ts'),
  ),
  debug: lazy(
    'take a heap snapshot, CPU profile or report of a live worker',
    () => import('./commands/debug.ts'),
  ),
  down: lazy('stop the running cluster gracefully', () => import('./commands/down.ts')),
  upgrade: lazy(
    'hand the running cluster to a new primary (new Node or orchestrator), no failed request',
    () => import('./commands/upgrade.ts'),
  ),
  validate: lazy('check a config file and print every problem', () => import('./commands/validate.ts')),
  schema: lazy('print the JSON Schema of the config file', () => import('./commands/schema.ts')),
  init: lazy('write a commented cluster.config.ts', () => import('./commands/init.ts')),
  export: lazy(
    'print a systemd unit or Kubernetes manifests for a config',
    () => import('./commands/export.ts'),
  ),
};
