import { sql } from 'kysely';
import type { SsoAccount } from '../core/sso.js';
import type { Db } from '../db/connect.js';
import { usersByMailbox } from './users.js';

/** A single sign-on under way: what its callback checks (see the sso_logins migration). */
export interface SsoLogin {
  nonce: string;
  codeVerifier: string;
  nextPath: string;
}

export async function insertSsoLogin(db: Db, stateHash: string, login: SsoLogin, now: number, expiresAt: number): Promise<void> {
  await db
    .insertInto('sso_logins')
    .values({ state_hash: stateHash, nonce: login.nonce, code_verifier: login.codeVerifier, next_path: login.nextPath, created_at: now, expires_at: expiresAt })
    .execute();
}

/**
 * Takes the sign-on of this state: deletes its row and returns it when it has not expired. One
 * statement, so of two callbacks with the same state at most one gets it.
 */
export async function takeSsoLogin(db: Db, stateHash: string, now: number): Promise<SsoLogin | undefined> {
  const row = await db.deleteFrom('sso_logins').where('state_hash', '=', stateHash).returning(['nonce', 'code_verifier', 'next_path', 'expires_at']).executeTakeFirst();
  if (!row || Number(row.expires_at) <= now) return undefined;
  return { nonce: row.nonce, codeVerifier: row.code_verifier, nextPath: row.next_path };
}

/** Forgets sign-ons nobody finished (the browser closed at the provider); a few at a time. */
export async function deleteExpiredSsoLogins(db: Db, now: number): Promise<void> {
  const stale = db.selectFrom('sso_logins').select('state_hash').where('expires_at', '<=', now).limit(100);
  await db.deleteFrom('sso_logins').where('state_hash', 'in', stale).execute();
}

/** Every account (active or not) whose email is `email` (lower-case) in any letter case: what single sign-on matches. */
export async function accountsByEmail(db: Db, email: string): Promise<SsoAccount[]> {
  return (await usersByMailbox(db, email)).map((r) => ({ id: r.id, active: r.active === 1 }));
}

/** The usernames equal to `base` or starting with `base-` (for a new account's free name). */
export async function usernamesLike(db: Db, base: string): Promise<Set<string>> {
  const escaped = base.replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = await db
    .selectFrom('users')
    .select('username')
    .where((eb) => eb.or([eb('username', '=', base), eb('username', 'like', sql<string>`${`${escaped}-%`} escape '\\'`)]))
    .execute();
  return new Set(rows.map((r) => r.username));
}
