import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// N=2^15, r=8, p=1: 30–60 ms per hash on a fast core, about 200 ms on the 2-core development VM
// (bench:load --open-loop: it sets the login POST's latency); guessing is slow, logins fine.
const N = 1 << 15;
const R = 8;

/**
 * scrypt's N for new hashes: 2^15, except inside the test suite (vitest sets VITEST), which makes
 * thousands of accounts and sign-ins and may ask for less with HELPDESK_TEST_PASSWORD_COST (log2 N,
 * set in vitest.config.ts). A hash records its own N, so it verifies whatever the setting is now;
 * outside vitest the variable is ignored. Tests that time a hash (unknown user against wrong
 * password) unset it and use the real cost.
 */
function costN(): number {
  const asked = process.env.VITEST ? Number(process.env.HELPDESK_TEST_PASSWORD_COST) : NaN;
  return Number.isInteger(asked) && asked >= 10 && asked < 15 ? 1 << asked : N;
}
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEM }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash` with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const n = costN();
  const key = await derive(password, salt, n, R, P);
  return ['scrypt', n, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time check of a password against a stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of nothing anyone knows, checked against when the username is unknown, so that the
 * answer takes as long as for a wrong password (no user enumeration by timing). One per cost, made
 * at the cost new hashes have now: the cost is fixed in a server, but a test process changes it
 * (HELPDESK_TEST_PASSWORD_COST) between files that share the module. */
const decoys = new Map<number, Promise<string>>();
export function decoyHash(): Promise<string> {
  const n = costN();
  let decoy = decoys.get(n);
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('hex'));
    decoys.set(n, decoy);
  }
  return decoy;
}

/** A random password for generated accounts: 18 URL-safe characters. */
export function generatePassword(): string {
  return randomBytes(14).toString('base64url').slice(0, 18);
}
