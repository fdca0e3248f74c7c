import { PostgresAdapter, sql } from 'kysely';
import { sameMailbox } from '../core/mailboxes.js';
import { mailboxLookup } from '../core/users.js';
import type { Presence } from '../core/routing.js';
import type { Db } from '../db/connect.js';
import type { NewUserRow, UserRow } from '../db/schema.js';

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username.trim().toLowerCase()).executeTakeFirst();
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Every account (active or not) whose address is the mailbox `key` (lower-case) in any letter case,
 * letters outside ASCII included (core/users.ts mailboxLookup, then core/mailboxes.ts sameMailbox), oldest first:
 * what reset links, single sign-on and the one-address-per-account rule match.
 */
export async function usersByMailbox(db: Db, key: string): Promise<Pick<UserRow, 'id' | 'username' | 'display_name' | 'email' | 'active'>[]> {
  const lookup = mailboxLookup(key);
  const rows = await db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'email', 'active'])
    .where('equals' in lookup ? sql<boolean>`lower(email) = ${lookup.equals}` : sql<boolean>`lower(email) like ${lookup.like} escape '\\'`)
    .orderBy('id')
    .execute();
  return rows.filter((row) => sameMailbox(row.email, key));
}

/**
 * Reads an account for a change that depends on it, locking its row until the transaction ends
 * (PostgreSQL; SQLite's write transaction already excludes every other writer): a new password
 * committing meanwhile then waits for this change, or this change sees it. FOR NO KEY UPDATE, as
 * an update of the row itself takes: it excludes every other change of the account, but not the
 * KEY SHARE of a foreign-key check (a reply naming the account as its author, an event its actor).
 * FOR UPDATE blocked those: a writer holding a ticket the change then moves (an agent going
 * offline releases its tickets) and naming the account waited for it while it waited for the
 * ticket, a deadlock.
 */
export async function lockUserById(db: Db, id: number): Promise<UserRow | undefined> {
  const query = db.selectFrom('users').selectAll().where('id', '=', id);
  return (db.getExecutor().adapter instanceof PostgresAdapter ? query.forNoKeyUpdate() : query).executeTakeFirst();
}

/** Inserts a staff account (an agent joins Support by the teams migration's trigger, §12). */
export async function insertUser(db: Db, row: NewUserRow): Promise<number> {
  const { id } = await db.insertInto('users').values(row).returning('id').executeTakeFirstOrThrow();
  return id;
}

/**
 * Replaces a password hash with another of the same password (a sign-in upgrading an old hash),
 * unless it changed meanwhile (a reset or a profile change won, or another sign-in's upgrade: their
 * hash stays). Returns whether it replaced it.
 */
export async function replacePasswordHash(db: Db, userId: number, from: string, to: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ password_hash: to }).where('id', '=', userId).where('password_hash', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function hasActiveAdmin(db: Db): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('role', '=', 'admin').where('active', '=', 1).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Sets presence; whatever set it, it is no longer the system's auto-away (see markAutoAway). */
export async function setPresence(db: Db, userId: number, presence: Presence): Promise<void> {
  await db.updateTable('users').set({ presence, auto_away_at: null }).where('id', '=', userId).execute();
}

/** Agents received tickets at the same instant (one statement). */
export async function setLastAssignedAtOf(db: Db, userIds: readonly number[], at: number): Promise<void> {
  if (userIds.length > 0) await db.updateTable('users').set({ last_assigned_at: at }).where('id', 'in', [...userIds]).execute();
}

/** Since when a session must have been seen, or an API token used, for its user to count as present. */
export interface PresenceCutoffs {
  sessionSeenSince: number;
  /** Sessions started before it have ended whatever their use (SESSION_MAX_HOURS). */
  sessionStartedSince: number;
  tokenUsedSince: number;
}

/**
 * Users who are available or away but present nowhere: no session seen since the cutoff and no
 * unrevoked API token used since its cutoff. Only among `userIds` when given.
 */
export async function unattendedUsers(db: Db, cutoffs: PresenceCutoffs, userIds?: readonly number[]): Promise<number[]> {
  let query = db
    .selectFrom('users as u')
    .select('u.id')
    .where('u.presence', 'in', ['available', 'away'])
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('sessions as s').select('s.id').whereRef('s.user_id', '=', 'u.id').where('s.last_seen_at', '>=', cutoffs.sessionSeenSince).where('s.created_at', '>=', cutoffs.sessionStartedSince))),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('api_tokens as k')
            .select('k.id')
            .whereRef('k.user_id', '=', 'u.id')
            .where('k.revoked_at', 'is', null)
            // A mail server delivering with an inbound-only token is no sign the agent is at work.
            .where('k.scope', '=', 'api')
            .where('k.last_used_at', '>=', cutoffs.tokenUsedSince),
        ),
      ),
    )
    .orderBy('u.id');
  if (userIds !== undefined) {
    if (userIds.length === 0) return [];
    query = query.where('u.id', 'in', [...userIds]);
  }
  return (await query.execute()).map((r) => r.id);
}
