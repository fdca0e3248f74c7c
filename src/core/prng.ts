/**
 * A small seeded pseudo-random generator for simulations (src/core/forecastSim.ts): the same seed
 * gives the same stream on every platform, so a forecast is reproducible. Not for secrets.
 */

/** Uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: 32 bits of state, fast, and good enough for Monte Carlo runs of a few million draws. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An exponential draw with this mean (inverse transform; 1 - u keeps log's argument above 0). */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

/** One element of a non-empty list, uniformly (a bootstrap draw from observed values). */
export function pick<T>(random: Random, values: readonly T[]): T {
  if (values.length === 0) throw new RangeError('pick needs at least one value');
  return values[Math.floor(random() * values.length)]!;
}
