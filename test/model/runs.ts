/**
 * How many runs the model tests make, and from which seed. `npm test` makes a small fixed number
 * from a fixed seed (the same sequences every time, well under a minute per file); MODEL_RUNS=<n>
 * makes n runs from a fresh seed, printed first, and MODEL_SEED=<seed> replays one (with the
 * MODEL_RUNS it was found with; fast-check also prints the seed and path of a failure).
 */
import type fc from 'fast-check';
import { coverage } from './commands.js';

const LONG_RUNS = process.env.MODEL_RUNS === undefined || process.env.MODEL_RUNS === '' ? undefined : Number(process.env.MODEL_RUNS);
const SEED = process.env.MODEL_SEED === undefined || process.env.MODEL_SEED === '' ? undefined : Number(process.env.MODEL_SEED);

/** Vitest's limit for one property: the default's, or an hour for a long run. */
export const PROPERTY_TIMEOUT = LONG_RUNS === undefined ? 120_000 : 3_600_000;

/** fast-check's parameters for a property whose default run makes `defaultRuns` runs. */
export function modelRuns(title: string, defaultRuns: number): fc.Parameters<unknown> {
  const numRuns = LONG_RUNS ?? defaultRuns;
  const seed = SEED ?? (LONG_RUNS === undefined ? 2026_12_03 : Date.now() % 2 ** 31);
  if (LONG_RUNS !== undefined || SEED !== undefined) console.log(`${title}: ${numRuns} runs, seed ${seed} (replay: MODEL_SEED=${seed} MODEL_RUNS=${numRuns})`);
  return { numRuns, seed };
}

/** Prints what the runs covered (commands by outcome, rules applied) in a long run. */
export function reportCoverage(title: string): void {
  if (LONG_RUNS === undefined) return;
  const lines = [...coverage.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `  ${String(n).padStart(6)}  ${key}`);
  console.log(`${title} covered:\n${lines.join('\n')}`);
}
