/**
 * mulberry32: a 32-bit seeded generator. Its whole state is one integer kept inside the engine state, so a run
 * replays exactly from its seed (jitter is the only randomness the engine needs).
 */
export interface Rng {
  state: number;
}

export function createRng(seed: number): Rng {
  return { state: seed >>> 0 };
}

/** The next number in [0, 1); advances `rng` in place. */
export function nextRandom(rng: Rng): number {
  rng.state = (rng.state + 0x6d2b79f5) >>> 0;
  let t = rng.state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
