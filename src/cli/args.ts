import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../config/did-you-mean.ts';
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
  const problem = optionProblem(argv, options);
  if (problem !== null) return usageError(command, problem, io);
  let parsed: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // optionProblem knows every case parseArgs refuses; this is the safety net, in Node's words.
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

/**
 * What is wrong with the options, in our words, or null. Node's own messages are long, quote unevenly once cut
 * to one line, and name no alternative: `unknown option '--jsno'; did you mean '--json'?` does.
 */
function optionProblem(argv: string[], options: Options): string | null {
  let tokens: ReturnType<typeof parseArgs>['tokens'];
  try {
    ({ tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true }));
  } catch {
    return null;
  }
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (spec === undefined) {
      // Only long names are guessed at: any one-letter option is "one edit" from any other.
      const long = token.rawName.startsWith('--');
      const guess = long
        ? didYouMean(
            token.rawName,
            Object.keys(options).map((name) => `--${name}`),
          )
        : undefined;
      return `unknown option '${token.rawName}'${guess === undefined ? '' : `; did you mean '${guess}'?`}`;
    }
    if (spec.type === 'string' && token.value === undefined) return `option '${token.rawName}' needs a value`;
    if (spec.type === 'boolean' && token.inlineValue === true)
      return `option '${token.rawName}' takes no value`;
  }
  return null;
}

export function usageError(command: string, message: string, io: CliIo): { ok: false; exitCode: number } {
  const name = command === '' ? 'orchestrator' : `orchestrator ${command}`;
  io.stderr.write(`${name}: ${message.split('\n')[0]}\nTry '${name} --help'.\n`);
  return { ok: false, exitCode: EXIT.usage };
}
