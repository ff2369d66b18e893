import * as z from 'zod';
import { nonNegativeInt } from './numbers.ts';

export const healthSchema = z
  .strictObject({
    heartbeatTimeoutMs: nonNegativeInt().default(10_000).meta({
      description:
        'A worker that sends no heartbeat for this many ms (its event loop is blocked) is replaced. 0 turns the check off.',
    }),
    maxMemoryMb: nonNegativeInt().default(0).meta({
      description:
        'A worker whose RSS grows above this many MB is replaced gracefully (its successor is ready first). 0 turns the check off.',
    }),
  })
  .default(() => ({ heartbeatTimeoutMs: 10_000, maxMemoryMb: 0 }))
  .meta({ description: 'Checks that replace a stuck or bloated worker.' });
