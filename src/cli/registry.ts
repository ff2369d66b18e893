import * as down from './commands/down.ts';
import * as exportCommand from './commands/export.ts';
import * as init from './commands/init.ts';
import * as reload from './commands/reload.ts';
import * as scale from './commands/scale.ts';
import * as schema from './commands/schema.ts';
import * as status from './commands/status.ts';
import * as up from './commands/up.ts';
import * as validate from './commands/validate.ts';
import type { Command } from './io.ts';

/**
 * Every `orchestrator` command by name, in the order `--help` lists them. A new command is a module under
 * commands/ exporting `summary` and `run`, added here.
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  up,
  status,
  reload,
  scale,
  down,
  validate,
  schema,
  init,
  export: exportCommand,
};
