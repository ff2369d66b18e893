/**
 * Cross-field rules run even when other keys of the same object are invalid (zod skips refinements after an
 * issue by default), so a user sees every problem in one pass. The price: the value may be only partly valid,
 * so each rule looks at its own fields' types before comparing.
 */
export const always = { when: () => true } as const;

/** The fields as numbers, or null when any of them is not one yet (its own error is reported elsewhere). */
export function numbers<K extends string>(value: unknown, ...keys: K[]): Record<K, number> | null {
  if (typeof value !== 'object' || value === null) return null;
  const out = {} as Record<K, number>;
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== 'number') return null;
    out[key] = v;
  }
  return out;
}
