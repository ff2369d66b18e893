import * as z from 'zod';
import { backoffSchema } from './backoff.ts';
import { healthSchema } from './health.ts';
import { nonNegativeInt } from './numbers.ts';
import { readySchema } from './ready.ts';
import { recycleSchema } from './recycle.ts';
import { reloadSchema } from './reload.ts';
import { restartSchema } from './restart.ts';
import { schedulingSchema } from './scheduling.ts';
import { shutdownSchema } from './shutdown.ts';
import { sparesSchema } from './spares.ts';

/** The extensions Node 24 runs directly (TypeScript ones through its type stripping). */
export const ENTRY_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'] as const;

/**
 * Group names end up in env vars (`ORCHESTRATOR_GROUP`), socket paths and log prefixes, so they stay to
 * characters that need no quoting anywhere.
 */
export const GROUP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const countSchema = z
  .union([nonNegativeInt(), z.literal('auto')], {
    error: (issue) => {
      const got = issue.input;
      if (typeof got === 'number' && !Number.isInteger(got))
        return `must be a whole number or 'auto', got ${got}`;
      return `must be an integer >= 0 or 'auto', got ${JSON.stringify(got) ?? String(got)}`;
    },
  })
  .default('auto')
  .meta({
    description:
      "How many workers to run: an integer >= 0, or 'auto' = one per CPU the process may use: `os.availableParallelism()` (CPU affinity, e.g. `taskset`) capped by the cgroup v2 CPU quota (`cpu.max`, as Kubernetes CPU limits set it) rounded down, at least 1. 0 keeps the group defined but stopped.",
  });

const entrySchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .regex(/\.(?:js|mjs|cjs|ts|mts|cts)$/, { error: `must end in ${ENTRY_EXTENSIONS.join(' ')}` })
  .meta({
    description:
      "The script each worker runs, relative to the config file's folder. A `.js`, `.mjs`, `.cjs`, `.ts`, `.mts` or `.cts` file (TypeScript runs through Node's type stripping).",
  });

const envName = z
  .string()
  .regex(/^[^=\0]+$/, { error: "an environment variable name must be non-empty, without '=' or NUL" });

const stringList = (description: string) =>
  z
    .array(z.string())
    .default(() => [])
    .meta({ description });

export const groupSchema = z
  .strictObject({
    entry: entrySchema,
    count: countSchema,
    scheduling: schedulingSchema,
    env: z
      .record(
        envName,
        z.string().meta({ description: 'The value, always a string (quote numbers: `"3000"`).' }),
      )
      .default(() => ({}))
      .meta({
        description:
          "Extra environment variables for each worker (string values), merged over the primary's.",
      }),
    args: stringList('Command-line arguments passed to each worker (`process.argv.slice(2)`).'),
    execArgv: stringList('Node.js options for each worker, such as `--max-old-space-size=512`.'),
    ready: readySchema,
    backoff: backoffSchema,
    restart: restartSchema,
    reload: reloadSchema,
    shutdown: shutdownSchema,
    health: healthSchema,
    recycle: recycleSchema,
    spares: sparesSchema,
  })
  .meta({ description: 'One group of identical workers running the same entry script.' });
