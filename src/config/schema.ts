import * as z from 'zod';
import { GROUP_NAME_PATTERN, groupSchema } from './schema/group.ts';
import { metricsSchema } from './schema/metrics.ts';

export { resolveCount } from './count.ts';

/**
 * The one schema of `cluster.config.*`: the types, the validation, the JSON Schema and docs/config.md all
 * come from here. The input side has defaults optional; the output side has every default filled in.
 */
export const configSchema = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .meta({ description: 'The JSON Schema this file follows (for editors); ignored by the orchestrator.' }),
    groups: z
      .record(
        z.string().regex(GROUP_NAME_PATTERN, {
          error: 'a group name must start with a letter or digit and contain only letters, digits, - and _',
        }),
        groupSchema,
      )
      .refine((groups) => Object.keys(groups).length > 0, { error: 'define at least one group' })
      .meta({ description: 'The worker groups, by name (letters, digits, `-` and `_`).' }),
    watch: z.boolean().default(true).meta({
      description: 'Apply edits of this file to the running cluster (a rejected edit changes nothing).',
    }),
    metrics: metricsSchema,
  })
  .meta({ title: 'cluster-orchestrator config', description: 'The config of `orchestrator up`.' });

/** What a user writes: defaulted keys are optional. */
export type ClusterConfigInput = z.input<typeof configSchema>;
/** What the orchestrator works with: every default applied, `entry` an absolute path. */
export type ClusterConfig = z.output<typeof configSchema>;
export type GroupConfigInput = z.input<typeof groupSchema>;
export type GroupConfig = z.output<typeof groupSchema>;
export type BackoffConfig = GroupConfig['backoff'];
export type MetricsConfig = ClusterConfig['metrics'];
