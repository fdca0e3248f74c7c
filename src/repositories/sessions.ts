import type { Db } from '../db/connect.js';

export async function insertSession(db: Db, id: string, userId: number, now: number): Promise<void> {
  await db.insertInto('sessions').values({ id, user_id: userId, created_at: now, last_seen_at: now }).execute();
}

/** The session and its user, if the session exists. */
export async function findSession(db: Db, id: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id as session_id', 's.last_seen_at', 'u.id', 'u.username', 'u.display_name', 'u.role', 'u.presence', 'u.active'])
    .where('s.id', '=', id)
    .executeTakeFirst();
}

export async function touchSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteSessionsOf(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/** Sessions idle since before `cutoff`, oldest first. */
export async function idleSessions(db: Db, cutoff: number, limit: number) {
  return db.selectFrom('sessions').select(['id', 'user_id']).where('last_seen_at', '<', cutoff).orderBy('last_seen_at').limit(limit).execute();
}

export async function hasLiveSession(db: Db, userId: number, cutoff: number): Promise<boolean> {
  const row = await db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('last_seen_at', '>=', cutoff).limit(1).executeTakeFirst();
  return row !== undefined;
}
