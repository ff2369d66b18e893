import * as z from 'zod';
import { nonNegativeInt } from './numbers.ts';

export const healthSchema = z
  .strictObject({
    heartbeatTimeoutMs: nonNegativeInt().default(10_000).meta({
      description:
        'A worker that sends no heartbeat for this many ms (its event loop is blocked) is replaced. 0 turns the check off.',
    }),
    maxMemoryMb: z
      .union([nonNegativeInt(), z.literal('auto')], {
        error: (issue) =>
          `must be an integer >= 0 or 'auto', got ${JSON.stringify(issue.input) ?? String(issue.input)}`,
      })
      .default(0)
      .meta({
        description:
          "A worker whose RSS grows above this many MB is replaced gracefully (its successor is ready first). 0 turns the check off. 'auto' = floor(0.8 × the container's memory limit / the workers of all groups), off when there is no limit.",
      }),
  })
  .default(() => ({ heartbeatTimeoutMs: 10_000, maxMemoryMb: 0 }))
  .meta({ description: 'Checks that replace a stuck or bloated worker.' });
