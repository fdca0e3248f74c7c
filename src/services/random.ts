import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let used = POOL_SIZE;

/**
 * `bytes` random bytes as base64url, from the operating system's CSPRNG like crypto.randomBytes,
 * but drawn from a pool filled 4 kB at a time, each byte handed out once (as crypto.randomUUID
 * does). Every new ticket takes two such values (its request key and its access token), and one
 * randomBytes call each cost about 20 µs of the event loop under intake (CPU profile, 4 December
 * 2026): 4 % of the main thread.
 */
export function randomBase64url(bytes: number): string {
  if (bytes > POOL_SIZE) throw new Error(`at most ${POOL_SIZE} random bytes at once`);
  if (used + bytes > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  const value = pool.toString('base64url', used, used + bytes);
  used += bytes;
  return value;
}
