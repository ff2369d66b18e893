import { jsonSchemaText } from '../../config/json-schema.ts';
import { parseCommandArgs } from '../args.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator schema

Prints the JSON Schema (draft-07) of the config file, the same as schemas/cluster.config.schema.json.
Point an editor at it: "$schema" in JSON, "# yaml-language-server: $schema=..." in YAML.

Options:
  -h, --help   show this help
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('schema', argv, { help: { type: 'boolean', short: 'h' } }, HELP, io);
  if (!args.ok) return args.exitCode;
  io.stdout.write(jsonSchemaText());
  return EXIT.ok;
}
