import * as z from 'zod';
import { nonNegativeInt, positiveInt } from './numbers.ts';

export const restartSchema = z
  .strictObject({
    when: z.enum(['always', 'on-failure', 'never']).default('always').meta({
      description:
        "'always': respawn a worker whenever it exits unasked. 'on-failure': only after a non-zero exit code or a signal. 'never': leave the slot empty.",
    }),
    maxRestarts: nonNegativeInt().default(10).meta({
      description:
        "The crash-loop limit. The group is 'failed' (no more respawns until a reload or a config change) after more than this many restarts within `windowMs`, or after more than this many failed starts in a row of one worker slot, whatever the window (a failed start: the worker exited before it had been ready for `resetAfterMs`).",
    }),
    windowMs: positiveInt().default(60_000).meta({
      description:
        'The sliding window for `maxRestarts`, in ms. As in Erlang/OTP, a restart exactly `windowMs` old still counts.',
    }),
    resetAfterMs: nonNegativeInt().default(60_000).meta({
      description:
        "A worker that stays ready this long was a good start: its slot's backoff goes back to the first delay and its run of failed starts ends, in ms.",
    }),
  })
  .default(() => ({ when: 'always' as const, maxRestarts: 10, windowMs: 60_000, resetAfterMs: 60_000 }))
  .meta({ description: 'When to respawn exited workers, and when to give up on a crash loop.' });
