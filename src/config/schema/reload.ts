import * as z from 'zod';
import { always, numbers } from './cross-field.ts';
import { nonNegativeInt, positiveInt } from './numbers.ts';

export const reloadSchema = z
  .strictObject({
    order: z.int().default(0).meta({
      description: 'Groups with a lower order reload first; groups with equal orders reload side by side.',
    }),
    maxSurge: nonNegativeInt()
      .default(1)
      .meta({ description: 'How many workers above `count` may run during a reload (new ones starting).' }),
    maxUnavailable: nonNegativeInt().default(0).meta({
      description: 'How many workers below `count` may be ready during a reload (old ones stopped early).',
    }),
    timeoutMs: positiveInt().default(120_000).meta({
      description:
        "A reload that makes no progress for this many ms stops, and the old workers keep serving. A progress deadline (Kubernetes' `progressDeadlineSeconds`), not a total one: every new worker that becomes ready and every old one that finishes draining starts it again, so a long roll that keeps moving is never stopped.",
    }),
  })
  .refine(
    (v) => {
      // Both 0 means the reload may neither add a worker nor remove one: it could never progress.
      const n = numbers(v, 'maxSurge', 'maxUnavailable');
      return n === null || n.maxSurge > 0 || n.maxUnavailable > 0;
    },
    {
      ...always,
      path: ['maxSurge'],
      error: 'maxSurge and maxUnavailable cannot both be 0 (the reload could never progress)',
    },
  )
  .default(() => ({ order: 0, maxSurge: 1, maxUnavailable: 0, timeoutMs: 120_000 }))
  .meta({ description: 'How a rolling reload replaces the workers of this group.' });
