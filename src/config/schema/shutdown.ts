import * as z from 'zod';
import { positiveInt } from './numbers.ts';

export const shutdownSchema = z
  .strictObject({
    timeoutMs: positiveInt()
      .default(10_000)
      .meta({ description: 'Drain deadline in ms: a worker still running after it is killed (SIGKILL).' }),
  })
  .default(() => ({ timeoutMs: 10_000 }))
  .meta({ description: 'How a worker is stopped (reload, scale-down, shutdown).' });
