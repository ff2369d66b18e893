import * as z from 'zod';
import { always, numbers } from './cross-field.ts';
import { nonNegativeInt, positiveInt } from './numbers.ts';

/**
 * How long to wait before respawning a crashed worker, growing with each crash in a row.
 * A discriminated union: each strategy names exactly the knobs it uses, so `{ strategy: 'fixed', factor: 2 }`
 * is an error instead of a silently ignored key.
 */

const exponential = z
  .strictObject({
    strategy: z
      .literal('exponential')
      .meta({ description: 'Delays grow by `factor` after each crash in a row.' }),
    initialMs: positiveInt().default(100).meta({ description: 'Delay before the first respawn, in ms.' }),
    maxMs: nonNegativeInt()
      .default(30_000)
      .meta({ description: 'The delay never grows beyond this, in ms.' }),
    factor: z
      .number()
      .min(1)
      .default(2)
      .meta({ description: 'Each delay is the previous one times this (>= 1).' }),
    jitter: z.number().min(0).max(1).default(0.1).meta({
      description:
        'Random spread as a fraction of the delay (0 to 1): 0.1 = ±10 %, so workers that crashed together do not respawn in lockstep.',
    }),
  })
  .meta({
    description:
      'Exponential backoff: `initialMs`, then times `factor`, spread by `jitter`, capped at `maxMs` (jitter never takes a delay beyond it).',
  });

const linear = z
  .strictObject({
    strategy: z
      .literal('linear')
      .meta({ description: 'Delays grow by `incrementMs` after each crash in a row.' }),
    initialMs: nonNegativeInt()
      .default(1_000)
      .meta({ description: 'Delay before the first respawn, in ms.' }),
    incrementMs: nonNegativeInt()
      .default(1_000)
      .meta({ description: 'Added to the delay after each crash, in ms.' }),
    maxMs: nonNegativeInt()
      .default(30_000)
      .meta({ description: 'The delay never grows beyond this, in ms.' }),
  })
  .meta({
    description: 'Linear backoff: `initialMs`, then plus `incrementMs` per crash, capped at `maxMs`.',
  });

const fixed = z
  .strictObject({
    strategy: z.literal('fixed').meta({ description: 'The same delay after every crash.' }),
    delayMs: nonNegativeInt().default(1_000).meta({ description: 'Delay before each respawn, in ms.' }),
  })
  .meta({ description: 'Fixed backoff: always wait `delayMs`.' });

const none = z
  .strictObject({
    strategy: z.literal('none').meta({ description: 'Respawn at once.' }),
  })
  .meta({ description: 'No backoff: respawn immediately (the restart limit still applies).' });

export const BACKOFF_STRATEGIES = ['exponential', 'linear', 'fixed', 'none'] as const;

export const backoffSchema = z
  .discriminatedUnion('strategy', [exponential, linear, fixed, none])
  .refine(
    (v) => {
      // A start above the cap would make the first delay the longest, which nobody means.
      const n = numbers(v, 'initialMs', 'maxMs');
      return n === null || n.initialMs <= n.maxMs;
    },
    {
      ...always,
      path: ['initialMs'],
      error: (issue) => {
        const n = numbers(issue.input, 'initialMs', 'maxMs');
        return n === null ? 'must be <= maxMs' : `must be <= maxMs (${n.maxMs}), got ${n.initialMs}`;
      },
    },
  )
  .default(() => ({
    strategy: 'exponential' as const,
    initialMs: 100,
    maxMs: 30_000,
    factor: 2,
    jitter: 0.1,
  }))
  .meta({
    description:
      "Delay before respawning a crashed worker. `strategy`: 'exponential' (default), 'linear', 'fixed' or 'none'.",
  });
