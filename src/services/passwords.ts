import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';

/**
 * New hashes: argon2id with 19 MiB of memory, 2 passes and 1 lane, OWASP's first recommendation
 * (Password Storage Cheat Sheet), in the PHC string format (`$argon2id$v=19$m=19456,t=2,p=1$…`).
 * About 35 ms of one core on the 2-core development VM, off the event loop (libuv's thread pool).
 *
 * Until 4 December 2026 hashes were scrypt with N=2^15, r=8, p=1 (`scrypt$N$r$p$salt$hash`): a
 * third of what OWASP asks of scrypt at that N (p=3), and 100–216 ms of a core here, which alone
 * put the login's p99 above the 250 ms of issue 20 item 6. Those hashes still verify; a sign-in
 * with one stores the password's argon2id hash instead (needsRehash, auth.ts).
 */
const MEMORY_KIB = 19_456;
const PASSES = 2;

/**
 * The argon2id settings of new hashes, except inside the test suite (vitest sets VITEST), which
 * makes thousands of accounts and sign-ins and may ask for less with HELPDESK_TEST_PASSWORD_COST
 * (log2 of the memory in KiB, 10–14, one pass; set in vitest.config.ts). A hash records its own
 * settings, so it verifies whatever the setting is now; outside vitest the variable is ignored.
 * Tests that time a hash (unknown user against wrong password) unset it and use the real cost.
 */
function settings(): { memoryCost: number; timeCost: number } {
  const asked = process.env.VITEST ? Number(process.env.HELPDESK_TEST_PASSWORD_COST) : NaN;
  return Number.isInteger(asked) && asked >= 10 && asked < 15 ? { memoryCost: 1 << asked, timeCost: 1 } : { memoryCost: MEMORY_KIB, timeCost: PASSES };
}

/** Passwords are compared as typed in any Unicode form: composed characters and their decompositions alike. */
const normalized = (password: string) => password.normalize('NFKC');

/** The password's argon2id hash, with a fresh 16-byte salt. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(normalized(password), { type: argon2.argon2id, parallelism: 1, ...settings() });
}

/** Constant-time check of a password against a stored hash (argon2id, or scrypt from before). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2id$')) {
    try {
      return await argon2.verify(stored, normalized(password));
    } catch {
      return false; // not a hash argon2 can read
    }
  }
  return verifyScrypt(password, stored);
}

/** Whether a stored hash is not what hashPassword makes now (an old scrypt hash, other settings). */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith('$argon2id$') || argon2.needsRehash(stored, { parallelism: 1, ...settings() });
}

const SCRYPT_KEY_LENGTH = 32;
const SCRYPT_MAX_MEM = 64 * 1024 * 1024;

/** The hashes made before argon2id: `scrypt$N$r$p$salt$hash`. */
async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await new Promise<Buffer>((resolve, reject) => {
    const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT_MAX_MEM };
    scrypt(normalized(password), Buffer.from(salt, 'base64url'), SCRYPT_KEY_LENGTH, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of nothing anyone knows, checked against when the username is unknown, so that the
 * answer takes as long as for a wrong password (no user enumeration by timing). One per cost, at
 * the cost new hashes have now: the cost is fixed in a server, but a test process changes it
 * (HELPDESK_TEST_PASSWORD_COST) between files that share the module.
 *
 * At the servers' cost it is this constant: the hash of 32 random bytes, made once and the bytes
 * thrown away. Knowing it gives nothing: a login with an unknown username is refused whatever the
 * check answers (checkCredentials). Made at every start, it cost 35 ms of a core and 19 MiB during
 * start-up (issue 20 item 5), beside the first admin's hash on a new database.
 */
const DECOY_AT_SERVER_COST = '$argon2id$v=19$m=19456,t=2,p=1$wHbkT/dXVJPFeN2xa5goQw$emeOg4WPlRl1UeURybUuQz10HRzEg1Q/XsASIEhShjc';
const decoys = new Map<number, Promise<string>>([[MEMORY_KIB, Promise.resolve(DECOY_AT_SERVER_COST)]]);
export function decoyHash(): Promise<string> {
  const { memoryCost } = settings();
  let decoy = decoys.get(memoryCost);
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('hex'));
    decoys.set(memoryCost, decoy);
  }
  return decoy;
}

/** A random password for generated accounts: 18 URL-safe characters. */
export function generatePassword(): string {
  return randomBytes(14).toString('base64url').slice(0, 18);
}
