/**
 * The sign-in limits' counts kept in memory (RATE_LIMIT_STORE=memory, the default on SQLite):
 * reservations held and settled per key, and a bounded number of keys.
 */
import { describe, expect, it } from 'vitest';
import { memoryCheckCounters } from '../../src/http/loginChecks.js';
import { underCheck } from '../../src/http/rateLimits.js';

const limit = { max: 2, windowMs: 60_000 };

describe('sign-in checks counted in memory', () => {
  it('holds max checks, gives a passed one back, counts a failed one, and starts again when the window ends', async () => {
    let now = 1_000_000;
    const counter = memoryCheckCounters(() => now)('login-username', limit, 100);
    expect(await counter.reserve('alice')).toEqual({ kind: 'reserved', resetAt: now + 60_000 });
    expect(await counter.reserve('alice')).toEqual({ kind: 'reserved', resetAt: now + 60_000 });
    expect(await counter.reserve('alice')).toEqual({ kind: 'busy' });
    await counter.settle('alice', now + 60_000, 'passed');
    expect(await counter.reserve('alice')).toEqual({ kind: 'reserved', resetAt: now + 60_000 });
    await counter.settle('alice', now + 60_000, 'failed');
    await counter.settle('alice', now + 60_000, 'failed');
    expect(await counter.reserve('alice')).toEqual({ kind: 'used_up', waitSeconds: 60 });
    // Another key is counted apart.
    expect(await counter.reserve('bob')).toEqual({ kind: 'reserved', resetAt: now + 60_000 });
    now += 60_000;
    expect(await counter.reserve('alice')).toEqual({ kind: 'reserved', resetAt: now + 60_000 });
  });

  it('keeps at most `capacity` keys, forgetting the one used longest ago', async () => {
    const now = 2_000_000;
    const counter = memoryCheckCounters(() => now)('login-address', { max: 1, windowMs: 60_000 }, 2);
    for (const key of ['a', 'b']) {
      await counter.reserve(key);
      await counter.settle(key, now + 60_000, 'failed');
    }
    expect(await counter.reserve('a')).toEqual({ kind: 'used_up', waitSeconds: 60 });
    // A third key pushes out `b` (used longest ago), not `a`.
    expect(await counter.reserve('c')).toEqual({ kind: 'reserved', resetAt: now + 60_000 });
    expect(await counter.reserve('a')).toEqual({ kind: 'used_up', waitSeconds: 60 });
    expect(await counter.reserve('b')).toEqual({ kind: 'reserved', resetAt: now + 60_000 });
  });

  it('a check run under underCheck is settled once on every path; unjudged work gives it back', async () => {
    const now = 3_000_000;
    const resetAt = now + 60_000;
    const counter = memoryCheckCounters(() => now)('login-username', { max: 1, windowMs: 60_000 }, 100);
    const reserved = async () => {
      expect(await counter.reserve('alice')).toEqual({ kind: 'reserved', resetAt });
      return { settle: (outcome: 'passed' | 'failed') => counter.settle('alice', resetAt, outcome) };
    };
    // Thrown before judging: given back (the one check of the limit may be reserved again).
    await expect(underCheck(await reserved(), async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    // Returned without judging: given back too.
    expect(await underCheck(await reserved(), async () => 'early')).toBe('early');
    // Judged twice (passed, then failed): the first stands.
    await underCheck(await reserved(), async (judge) => {
      await judge('passed');
      await judge('failed');
    });
    // Judged failed, then thrown: counted once, not given back.
    await expect(
      underCheck(await reserved(), async (judge) => {
        await judge('failed');
        throw new Error('after judging');
      }),
    ).rejects.toThrow('after judging');
    expect(await counter.reserve('alice')).toEqual({ kind: 'used_up', waitSeconds: 60 });
  });
});
