import * as z from 'zod';

/**
 * Number building blocks. Every duration is a whole number of milliseconds: fractions of a millisecond mean
 * nothing to a timer, and an integer type lets editors reject `1.5` as well.
 */

/** An integer >= 0 (counts, limits, delays where 0 means "immediately" or "off"). */
export const nonNegativeInt = () => z.int().min(0);

/** An integer > 0 (timeouts and windows: 0 would expire before anything could happen). */
export const positiveInt = () => z.int().min(1);
