/**
 * Password hashes (services/passwords.ts): argon2id at OWASP's settings, a cheaper cost the test
 * suite asks for (HELPDESK_TEST_PASSWORD_COST in vitest.config.ts, honoured only under vitest: a
 * server with the variable in its environment still hashes at the real cost), and the scrypt
 * hashes of before, which still verify and are replaced at the next sign-in.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import argon2 from 'argon2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { checkCredentials, login } from '../../src/services/auth.js';
import { systemClock } from '../../src/services/context.js';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from '../../src/services/passwords.js';
import { replacePasswordHash } from '../../src/repositories/users.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

/** The memory (KiB), passes and lanes a PHC string records. */
const settingsOf = (hash: string) => Object.fromEntries(hash.split('$')[3]!.split(',').map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k, Number(v)]));

/** A hash as the helpdesk made them before argon2id: `scrypt$N$r$p$salt$hash` (at N=2^10 here, for speed). */
function scryptHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 1 << 10, r: 8, p: 1 });
  return ['scrypt', 1 << 10, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

describe('password hashes', () => {
  const vitest = process.env.VITEST;
  afterEach(() => {
    process.env.VITEST = vitest;
    process.env.HELPDESK_TEST_PASSWORD_COST = '10';
  });

  it('are argon2id; under vitest at the cost asked for, and the hash verifies', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash.startsWith('$argon2id$v=19$')).toBe(true);
    expect(settingsOf(hash)).toEqual({ m: 1 << 10, t: 1, p: 1 });
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsf', hash)).toBe(false);
  });

  it('ignore the test cost outside vitest: 19 MiB, 2 passes, 1 lane (OWASP) whatever the variable says', async () => {
    delete process.env.VITEST;
    const hash = await hashPassword('correct horse');
    expect(settingsOf(hash)).toEqual({ m: 19_456, t: 2, p: 1 });
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(needsRehash(hash)).toBe(false);
  });

  it('check an unknown username against a decoy made at the servers\' cost, which nothing opens (a constant: no hash at start-up)', async () => {
    delete process.env.VITEST;
    const hashing = vi.spyOn(argon2, 'hash');
    const decoy = await decoyHash();
    // Nothing hashed for it: a server start no longer makes one.
    expect(hashing).not.toHaveBeenCalled();
    hashing.mockRestore();
    expect(settingsOf(decoy)).toEqual({ m: 19_456, t: 2, p: 1 });
    expect(needsRehash(decoy)).toBe(false);
    for (const guess of ['', 'password', 'admin', decoy]) expect(await verifyPassword(guess, decoy)).toBe(false);
    // Under the test cost the decoy is made at that cost, as its other hashes.
    process.env.VITEST = vitest;
    expect(settingsOf(await decoyHash())).toEqual({ m: 1 << 10, t: 1, p: 1 });
  });

  it('never take a test cost below 2^10 KiB or one that is not a whole number', async () => {
    for (const asked of ['4', '9', '10.5', 'low', '']) {
      process.env.HELPDESK_TEST_PASSWORD_COST = asked;
      expect(settingsOf(await hashPassword('x')).m, asked).toBe(19_456);
    }
  });

  it('compare passwords in one Unicode form: a composed é matches its decomposition', async () => {
    const hash = await hashPassword('caf\u00e9 au lait');
    expect(await verifyPassword('cafe\u0301 au lait', hash)).toBe(true);
  });

  it('from before (scrypt) still verify, and are the ones that need a new hash', async () => {
    const old = scryptHash('correct horse');
    expect(await verifyPassword('correct horse', old)).toBe(true);
    expect(await verifyPassword('wrong horse', old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword('correct horse'))).toBe(false);
  });

  it('that are neither answer false, never throw', async () => {
    for (const stored of ['', 'plain', '$argon2id$v=19$m=1024,t=1,p=1$bad', 'scrypt$1024$8$1$$', 'bcrypt$x']) {
      expect(await verifyPassword('x', stored), stored).toBe(false);
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`signing in with an old scrypt hash (${dialect})`, () => {
    let db: TestDatabase;
    let ctx: { handle: TestDatabase['handle']; clock: typeof systemClock; publicUrl: string };
    let userId: number;
    const hashOf = async () => (await db.handle.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow()).password_hash;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      ctx = { handle: db.handle, clock: systemClock, publicUrl: 'http://helpdesk.test' };
      userId = await addStaff(ctx as never, 'olga');
    });
    afterAll(() => db.drop());

    it('keeps the old hash on a wrong password, and replaces it with argon2id on the right one', async () => {
      const old = scryptHash('password123');
      await db.handle.db.updateTable('users').set({ password_hash: old }).where('id', '=', userId).execute();
      await expect(checkCredentials(ctx as never, 'olga', 'wrong-password')).rejects.toBeInstanceOf(DomainError);
      expect(await hashOf()).toBe(old);
      expect((await checkCredentials(ctx as never, 'olga', 'password123')).id).toBe(userId);
      const upgraded = await hashOf();
      expect(upgraded.startsWith('$argon2id$')).toBe(true);
      expect(await verifyPassword('password123', upgraded)).toBe(true);
      // The next sign-in finds nothing to do.
      await checkCredentials(ctx as never, 'olga', 'password123');
      expect(await hashOf()).toBe(upgraded);
    });

    it('signs in both of two sign-ins that upgrade the same old hash at once (one upgrade is kept)', async () => {
      await db.handle.db.updateTable('users').set({ password_hash: scryptHash('password123') }).where('id', '=', userId).execute();
      // Both read the old hash before either writes its upgrade; the second's write finds it changed.
      const sessions = await Promise.all([login(ctx as never, 'olga', 'password123', { idleMinutes: 480 }), login(ctx as never, 'olga', 'password123', { idleMinutes: 480 })]);
      expect(sessions.map((s) => s.user.id)).toEqual([userId, userId]);
      const kept = await hashOf();
      expect(kept.startsWith('$argon2id$')).toBe(true);
      // Each browser is remembered under the hash the account has (http/deviceCookies.ts binds entries to it).
      expect(sessions.map((s) => s.passwordHash)).toEqual([kept, kept]);
    });

    it('never overwrites a hash that changed since it was checked (a reset won meanwhile)', async () => {
      const current = await hashOf();
      await replacePasswordHash(db.handle.db, userId, scryptHash('password123'), await hashPassword('password123'));
      expect(await hashOf()).toBe(current);
    });
  });
}
