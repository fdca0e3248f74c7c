/**
 * randomBase64url (src/services/random.ts): tickets' access tokens and request keys come from a
 * pool of CSPRNG bytes, each byte handed out once, across refills of the pool.
 */
import { describe, expect, it } from 'vitest';
import { randomBase64url } from '../../src/services/random.js';

describe('randomBase64url', () => {
  it('gives the bytes asked for, never the same value twice, across many refills of the pool', () => {
    const values = Array.from({ length: 5_000 }, (_, i) => randomBase64url(i % 2 === 0 ? 24 : 16));
    expect(new Set(values).size).toBe(values.length);
    values.forEach((v, i) => expect(Buffer.from(v, 'base64url')).toHaveLength(i % 2 === 0 ? 24 : 16));
  });

  it('hands out bytes that look uniform (each byte value about as often as any other)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4_000; i++) for (const byte of Buffer.from(randomBase64url(32), 'base64url')) counts[byte]!++;
    // 128,000 bytes: 500 expected per value. Chi-square with 255 degrees of freedom stays below
    // 400 except with a probability far below one in a million.
    const chi = counts.reduce((sum, n) => sum + (n - 500) ** 2 / 500, 0);
    expect(chi).toBeLessThan(400);
  });

  it('refuses more than the pool holds', () => {
    expect(() => randomBase64url(5_000)).toThrow(/at most 4096/);
  });
});
