import type { Db } from '../db/connect.js';

export async function insertSession(db: Db, id: string, userId: number, now: number): Promise<void> {
  await db.insertInto('sessions').values({ id, user_id: userId, created_at: now, last_seen_at: now }).execute();
}

/** The session and its user, if the session exists. */
export async function findSession(db: Db, id: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id as session_id', 's.created_at', 's.last_seen_at', 'u.id', 'u.username', 'u.display_name', 'u.role', 'u.presence', 'u.active'])
    .where('s.id', '=', id)
    .executeTakeFirst();
}

export async function touchSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

/** Deletes a session; returns its user, or undefined when it was already gone. */
export async function deleteSession(db: Db, id: string): Promise<number | undefined> {
  const row = await db.deleteFrom('sessions').where('id', '=', id).returning('user_id').executeTakeFirst();
  return row?.user_id;
}

/** Ends every session of a user, or all but `keepId` (the browser that asked, when it is theirs). */
export async function deleteSessionsOf(db: Db, userId: number, keepId?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepId !== undefined) query = query.where('id', '!=', keepId);
  await query.execute();
}

/** Which sessions have ended: idle since before `seenSince`, or started before `startedSince` (the lifetime). */
export interface SessionCutoffs {
  sessionSeenSince: number;
  sessionStartedSince: number;
}

function endedSessions(db: Db, cutoffs: SessionCutoffs) {
  return db.selectFrom('sessions').select('id').where((eb) => eb.or([eb('last_seen_at', '<', cutoffs.sessionSeenSince), eb('created_at', '<', cutoffs.sessionStartedSince)]));
}

/** Whether any session has ended (idle, or past its lifetime) and is still there. */
export async function anyEndedSession(db: Db, cutoffs: SessionCutoffs): Promise<boolean> {
  const row = await endedSessions(db, cutoffs).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Deletes up to `limit` ended sessions (idle, or past their lifetime), oldest use first; returns how many. */
export async function deleteEndedSessions(db: Db, cutoffs: SessionCutoffs, limit: number): Promise<number> {
  const ended = endedSessions(db, cutoffs).orderBy('last_seen_at').limit(limit);
  const result = await db.deleteFrom('sessions').where('id', 'in', ended).executeTakeFirst();
  return Number(result.numDeletedRows);
}
