import * as z from 'zod';
import { positiveInt } from './numbers.ts';

export const readySchema = z
  .strictObject({
    on: z.enum(['listening', 'message']).default('listening').meta({
      description:
        "'listening': the worker is ready when its server listens. 'message': when it calls `ready()` from `cluster-orchestrator/worker` (for workers without a server, or that warm up first).",
    }),
    timeoutMs: positiveInt().default(30_000).meta({
      description: 'A worker not ready within this many ms is killed and counts as a failed start.',
    }),
  })
  .default(() => ({ on: 'listening' as const, timeoutMs: 30_000 }))
  .meta({ description: 'When a new worker counts as ready to serve (reloads wait for it).' });
