import { describe, expect, it } from 'vitest';
import { claimLeaseMs, lastTryStartMs } from '../../src/core/claims.js';

describe('a claim’s lease', () => {
  it.each([
    // timeout, claimed, at once, spare, given → lease
    [10_000, 32, 8, 20_000, undefined, 60_000], // webhooks: 4 turns and two timeouts more
    [120_000, 30, 10, 60_000, undefined, 420_000], // emails: 3 turns and a minute
    [10_000, 5, 8, 20_000, undefined, 30_000], // fewer than one turn's worth: one turn
    [10_000, 32, 8, 20_000, 41_000, 41_000], // given, and longer than every turn
  ])('timeout %i ms, %i claimed, %i at once, %i spare, given %s: %i ms', (timeoutMs, claimed, atOnce, spare, given, lease) => {
    expect(claimLeaseMs({ timeoutMs, claimed, atOnce }, spare, given)).toBe(lease);
  });

  it('refuses a given lease that does not outlast a timeout for each turn', () => {
    expect(() => claimLeaseMs({ timeoutMs: 10_000, claimed: 32, atOnce: 8 }, 20_000, 40_000)).toThrow('must be longer than a timeout (10000 ms) for each of its 4 turns');
  });
});

describe('the last moment a try may start', () => {
  it.each([
    // timeout, claimed, at once, lease, last start: the emails' defaults (3 turns of 2 min, 1 min
    // spare; the last side-by-side turn starts at 240 s at the latest)
    [120_000, 30, 10, 420_000, 270_000],
    // one turn and a minute: only a lane's first try, one after another
    [120_000, 5, 5, 180_000, 30_000],
    // the webhooks' defaults: 4 turns of 10 s, 20 s spare
    [10_000, 32, 8, 60_000, 40_000],
  ])('timeout %i ms, %i claimed, %i at once, lease %i ms: %i ms', (timeoutMs, claimed, atOnce, lease, last) => {
    expect(lastTryStartMs({ timeoutMs, claimed, atOnce }, lease)).toBe(last);
  });

  it('lets every side-by-side turn start', () => {
    for (const [timeoutMs, claimed, atOnce] of [[120_000, 30, 10], [10_000, 32, 8], [1_000, 7, 2]] as const) {
      const shape = { timeoutMs, claimed, atOnce };
      const turns = Math.ceil(claimed / atOnce);
      expect(lastTryStartMs(shape, claimLeaseMs(shape, timeoutMs))).toBeGreaterThan(timeoutMs * (turns - 1));
    }
  });
});
