import * as z from 'zod';
import { nonNegativeInt } from './numbers.ts';

export const sparesSchema = z
  .strictObject({
    count: nonNegativeInt().default(0).meta({
      description:
        'How many spares to keep booted beside the serving workers. 0 turns spares off. They cost the memory of that many more workers.',
    }),
    preload: z.boolean().default(false).meta({
      description:
        "Also import the app's entry in each spare, holding its `listen()` (and `ready()`) until the spare takes a slot, so only the bind is left to do. An app that reads `ORCHESTRATOR_WORKER_INDEX` or `info.index` at import time sees no index there (it is set when the spare takes a slot); with `false` the entry is imported only then.",
    }),
  })
  .default(() => ({ count: 0, preload: false }))
  .meta({
    description:
      "Warm spares: workers booted (Node and the worker runtime loaded) but not serving: not listening, not in the round-robin, not counted as ready. When a worker dies a spare takes its slot at once and starts serving; the restart still counts for `restart`'s crash-loop guard, and the backoff it would have waited delays the spare booted behind it. A scale-up or a recycled worker's successor also takes a spare. Spares are booted once the group is first ready, belong to one revision (a reload discards them and boots new ones after the roll), and show in `status`.",
  });
