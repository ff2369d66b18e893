import type * as z from 'zod';
import { describeValue, valueAt } from './describe-value.ts';
import { didYouMean } from './did-you-mean.ts';
import { formatKeyPath } from './key-path.ts';
import { knownKeysAt } from './known-keys.ts';

export interface KeyProblem {
  path: string;
  message: string;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
};

/**
 * Turns a zod issue into messages that say what was expected and what was found, at the key where it is
 * (an unknown key is reported at its own path, with the closest allowed key as a suggestion).
 */
export function describeIssue(issue: z.core.$ZodIssue, data: unknown, schema: z.core.$ZodType): KeyProblem[] {
  const at = (path: readonly PropertyKey[], message: string): KeyProblem => ({
    path: formatKeyPath(path),
    message,
  });
  const got = valueAt(data, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, data, issue.path);
      return issue.keys.map((key) => {
        const suggestion = didYouMean(key, known);
        const hint = suggestion
          ? ` (did you mean '${suggestion}'?)`
          : known.length > 0
            ? `; allowed: ${known.join(', ')}`
            : '';
        return at([...issue.path, key], `unknown key${hint}`);
      });
    }
    case 'invalid_type': {
      if (got === undefined)
        return [at(issue.path, `is required (${TYPE_NAMES[issue.expected] ?? issue.expected})`)];
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      const quoteHint = issue.expected === 'string' && typeof got === 'number' ? ` (quote it: "${got}")` : '';
      return [at(issue.path, `expected ${expected}, got ${describeValue(got)}${quoteHint}`)];
    }
    case 'too_small':
      if (issue.origin === 'number' || issue.origin === 'int')
        return [
          at(
            issue.path,
            `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}, got ${describeValue(got)}`,
          ),
        ];
      return [at(issue.path, issue.message)];
    case 'too_big':
      if (issue.origin === 'number' || issue.origin === 'int')
        return [
          at(
            issue.path,
            `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}, got ${describeValue(got)}`,
          ),
        ];
      return [at(issue.path, issue.message)];
    case 'invalid_value': {
      const options = issue.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
      return [
        at(issue.path, `expected ${oneOf(options)}, got ${describeValue(got)}${suggest(got, issue.values)}`),
      ];
    }
    case 'invalid_union': {
      if ((issue as { note?: string }).note === 'No matching discriminator') {
        const raw = (issue as { options?: unknown[] }).options ?? [];
        const options = raw.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
        const what = got === undefined ? 'is required' : `unknown value ${describeValue(got)}`;
        return [at(issue.path, `${what}; expected ${oneOf(options)}${suggest(got, raw)}`)];
      }
      return [at(issue.path, issue.message)];
    }
    case 'invalid_key':
      return [
        at(
          issue.path,
          `${issue.issues[0]?.message ?? 'invalid key'}, got ${describeValue(issue.path.at(-1))}`,
        ),
      ];
    default:
      return [at(issue.path, issue.message)];
  }
}

function oneOf(options: string[]): string {
  return options.length === 1 ? (options[0] ?? '') : `one of ${options.join(', ')}`;
}

function suggest(got: unknown, values: readonly unknown[]): string {
  if (typeof got !== 'string') return '';
  const suggestion = didYouMean(
    got,
    values.filter((v): v is string => typeof v === 'string'),
  );
  return suggestion ? ` (did you mean '${suggestion}'?)` : '';
}
