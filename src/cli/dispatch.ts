import { didYouMean } from '../config/did-you-mean.ts';
import { usageError } from './args.ts';
import { type CliIo, type Command, EXIT } from './io.ts';
import { COMMANDS } from './registry.ts';
import { packageVersion } from './version.ts';

function mainHelp(commands: Readonly<Record<string, Command>>): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return `Usage: orchestrator <command> [options]

Runs Node.js servers on every core with node:cluster, driven by cluster.config.ts.

Commands:
${lines.join('\n')}

Run 'orchestrator <command> --help' for a command's options, 'orchestrator --version' for the version.
`;
}

/** `orchestrator ARGV...`: picks the command and returns its exit code. */
export async function runCli(argv: string[], io: CliIo, commands = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp(commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    if (name.startsWith('-')) return usageError('', `unknown option '${name}'`, io).exitCode;
    const guess = didYouMean(name, Object.keys(commands));
    const hint = guess === undefined ? '' : `; did you mean '${guess}'?`;
    return usageError('', `unknown command '${name}'${hint}`, io).exitCode;
  }
  return command.run(rest, io);
}
