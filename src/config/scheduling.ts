/**
 * The scheduling policies, in one place: the config schema is built from this list, and every host takes the
 * type derived from it, so a value the schema does not know cannot silently become one it does. No zod here:
 * the helper host process imports it.
 */
export const SCHEDULING_POLICIES = ['round-robin', 'os', 'reusePort'] as const;

export type Scheduling = (typeof SCHEDULING_POLICIES)[number];

export function isScheduling(value: unknown): value is Scheduling {
  return (SCHEDULING_POLICIES as readonly unknown[]).includes(value);
}
