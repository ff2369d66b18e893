import * as z from 'zod';
import { nonNegativeInt } from './numbers.ts';

export const recycleSchema = z
  .strictObject({
    afterRequests: nonNegativeInt().default(0).meta({
      description:
        'Replace a worker after it served this many HTTP requests (counted by the runtime, no app code). 0 turns it off.',
    }),
    afterMs: nonNegativeInt().default(0).meta({
      description: 'Replace a worker after this many ms of uptime. 0 turns it off.',
    }),
    jitter: z.number().min(0).max(1).default(0.1).meta({
      description:
        "Spreads each worker's limits: a worker's limit is drawn between limit × (1 - jitter) and limit, so workers started together are not all recycled together.",
    }),
  })
  .default(() => ({ afterRequests: 0, afterMs: 0, jitter: 0.1 }))
  .meta({
    description:
      "Replace a worker after `afterRequests` requests or `afterMs` of uptime, whichever comes first, the way a reload replaces it (its successor is ready first; `reload.maxUnavailable`/`maxSurge` apply). Not a failure: it does not count against `restart`'s crash-loop guard.",
  });
