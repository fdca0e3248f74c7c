/**
 * The inbound route's token memory (src/services/tokenCache.ts) on its own, with a hand-moved
 * clock: an entry lives its time and no longer, a refusal is never remembered, and forget() also
 * drops an authentication that was on its way when it was called (the token revoked meanwhile);
 * requests with the same token at the same moment share one load (src/services/shortMemory.ts).
 */
import { describe, expect, it } from 'vitest';
import type { LiveToken } from '../../src/repositories/tokens.js';
import { TokenCache } from '../../src/services/tokenCache.js';
import { FakeClock } from '../support/clock.js';

const live = (id: number): LiveToken => ({ token_id: id, last_used_at: null, scope: 'inbound', id, username: `u${id}`, display_name: `U${id}`, role: 'agent', presence: 'offline', active: 1 });

describe('TokenCache', () => {
  it('answers from memory for its time, then asks again', async () => {
    const clock = new FakeClock();
    const cache = new TokenCache(2_000, clock);
    let loads = 0;
    const load = async () => (loads++, live(1));
    expect(await cache.get('h', load)).toEqual(live(1));
    clock.advance(1_999);
    expect(await cache.get('h', load)).toEqual(live(1));
    expect(loads).toBe(1);
    clock.advance(1);
    await cache.get('h', load);
    expect(loads).toBe(2);
    // Another token is another entry.
    await cache.get('other', load);
    expect(loads).toBe(3);
  });

  it('never remembers a refusal', async () => {
    const cache = new TokenCache(2_000, new FakeClock());
    let loads = 0;
    const load = async () => (loads++, null);
    expect(await cache.get('h', load)).toBeNull();
    expect(await cache.get('h', load)).toBeNull();
    expect(loads).toBe(2);
  });

  it('forget() empties the memory and keeps out what was being loaded when it was called', async () => {
    const cache = new TokenCache(2_000, new FakeClock());
    let loads = 0;
    const load = async () => (loads++, live(1));
    await cache.get('h', load);
    cache.forget();
    await cache.get('h', load);
    expect(loads).toBe(2);
    // A load that read the token before a revocation committed must not be remembered.
    let release!: () => void;
    const slow = () => new Promise<LiveToken>((resolve) => (release = () => resolve(live(2))));
    const inFlight = cache.get('late', slow);
    cache.forget();
    release();
    expect(await inFlight).toEqual(live(2));
    await cache.get('late', load);
    expect(loads).toBe(3);
  });

  it('requests arriving while a token is being loaded share that load; after a forget() they load again', async () => {
    const cache = new TokenCache(2_000, new FakeClock());
    let loads = 0;
    let release!: () => void;
    const slow = () => {
      const n = ++loads;
      return new Promise<LiveToken>((resolve) => (release = () => resolve(live(n))));
    };
    const together = [cache.get('h', slow), cache.get('h', slow), cache.get('h', slow)];
    expect(loads).toBe(1);
    // Another token is not held up by it.
    expect(await cache.get('other', async () => live(9))).toEqual(live(9));
    release();
    expect(await Promise.all(together)).toEqual([live(1), live(1), live(1)]);
    // Revoked while a load is on its way: the next request does not share it.
    const before = cache.get('x', slow);
    const releaseFirst = release;
    cache.forget();
    const after = cache.get('x', slow);
    expect(loads).toBe(3);
    releaseFirst();
    release();
    expect([await before, await after]).toEqual([live(2), live(3)]);
  });

  it('a failed load is shared by the requests waiting on it, and not kept', async () => {
    const cache = new TokenCache(2_000, new FakeClock());
    let loads = 0;
    const failing = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('database unreachable');
    };
    const results = await Promise.allSettled([cache.get('h', failing), cache.get('h', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(loads).toBe(1);
    expect(await cache.get('h', async () => live(1))).toEqual(live(1));
  });
});
