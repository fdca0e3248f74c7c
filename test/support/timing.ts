/**
 * Timing checks against an oracle (does an unknown name answer faster than a known one?), robust to
 * a busy machine. Samples of the two answers and of one password hash are interleaved, and their
 * medians compared; a round passes when the medians differ by less than the bound it computes from
 * the hash's median. A full CI run shares two cores with other test files, and one round's medians
 * can be pulled apart by a burst of load (seen once: 22 ms apart with a 33 ms hash), so up to
 * `rounds` rounds are measured and the first within the bound passes. A missing hash on one side
 * misses by a whole hash in every round; load only adds to both sides at random.
 */
import { median } from '../../bench/lib/report.js';

export interface SameTime {
  /** The `i`-th timing (ms) of each side, and of one password hash. */
  known: (i: number) => Promise<number>;
  unknown: (i: number) => Promise<number>;
  hash: () => Promise<number>;
  /** The largest difference of medians allowed, given one hash's median. */
  within: (hash: number) => number;
  samples?: number;
  rounds?: number;
}

/** Whether some round's medians were within the bound, and each round's figures (for the failure message). */
export async function sameTime(check: SameTime): Promise<{ met: boolean; hash: number; report: string }> {
  const rounds: string[] = [];
  let hash = 0;
  for (let round = 0; round < (check.rounds ?? 3); round++) {
    const known: number[] = [];
    const unknown: number[] = [];
    const hashes: number[] = [];
    for (let i = 0; i < (check.samples ?? 9); i++) {
      const n = round * 100 + i;
      hashes.push(await check.hash());
      known.push(await check.known(n));
      unknown.push(await check.unknown(n));
    }
    hash = median(hashes);
    rounds.push(`known ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms, one hash ${hash.toFixed(1)} ms`);
    if (Math.abs(median(known) - median(unknown)) < check.within(hash)) return { met: true, hash, report: rounds.join('; ') };
  }
  return { met: false, hash, report: rounds.join('; ') };
}

/** How long `work` takes, in ms. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}
