import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { CliIo } from './io.ts';
import { EXIT } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export type Parsed<T extends Options> =
  | {
      ok: true;
      values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>['values'];
      positionals: string[];
    }
  | { ok: false; exitCode: number };

/**
 * parseArgs with the CLI's conventions: `--help` prints `help` and exits 0; a bad option prints a one-line
 * hint on stderr and exits 2 (usage error), never a stack trace.
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  help: string,
  io: CliIo,
  maxPositionals = 0,
): Parsed<T> {
  let parsed: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(command, (error as Error).message, io);
  }
  if ((parsed.values as Record<string, unknown>).help === true) {
    io.stdout.write(help);
    return { ok: false, exitCode: EXIT.ok };
  }
  if (parsed.positionals.length > maxPositionals) {
    return usageError(command, `unexpected argument '${parsed.positionals[maxPositionals]}'`, io);
  }
  return { ok: true, values: parsed.values, positionals: parsed.positionals };
}

export function usageError(command: string, message: string, io: CliIo): { ok: false; exitCode: number } {
  const name = command === '' ? 'orchestrator' : `orchestrator ${command}`;
  io.stderr.write(`${name}: ${message.split('\n')[0]}\nTry '${name} --help'.\n`);
  return { ok: false, exitCode: EXIT.usage };
}
