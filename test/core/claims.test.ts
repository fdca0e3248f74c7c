import { describe, expect, it } from 'vitest';
import { claimLeaseMs } from '../../src/core/claims.js';

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
