import type { LifeSigns } from '../core/autoAway.js';
import type { Db } from '../db/connect.js';

/** Stamps users' `live_seen_at` (one of their pages is open) in one statement. */
export async function stampLiveSeen(db: Db, userIds: readonly number[], now: number): Promise<void> {
  if (userIds.length > 0) await db.updateTable('users').set({ live_seen_at: now }).where('id', 'in', [...userIds]).execute();
}

/**
 * The signs of life of every available agent (src/core/autoAway.ts): its newest session, its newest
 * use of an unrevoked `api` token (an inbound-mail token is a mail server, not the agent) and the
 * last stamp of an open page.
 */
export async function availableAgentsLifeSigns(db: Db): Promise<LifeSigns[]> {
  const rows = await db
    .selectFrom('users as u')
    .select(['u.id', 'u.live_seen_at'])
    .select((eb) => [
      eb.selectFrom('sessions as s').whereRef('s.user_id', '=', 'u.id').select((s) => s.fn.max('s.last_seen_at').as('m')).as('session_seen_at'),
      eb
        .selectFrom('api_tokens as k')
        .whereRef('k.user_id', '=', 'u.id')
        .where('k.revoked_at', 'is', null)
        .where('k.scope', '=', 'api')
        .select((k) => k.fn.max('k.last_used_at').as('m'))
        .as('token_used_at'),
    ])
    .where('u.presence', '=', 'available')
    .where('u.role', '=', 'agent')
    .orderBy('u.id')
    .execute();
  const time = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({ userId: r.id, sessionSeenAt: time(r.session_seen_at), tokenUsedAt: time(r.token_used_at), liveSeenAt: time(r.live_seen_at) }));
}

/** Records that the system set these agents away for want of an open page (after their setPresence). */
export async function markAutoAway(db: Db, userIds: readonly number[], now: number): Promise<void> {
  if (userIds.length > 0) await db.updateTable('users').set({ auto_away_at: now }).where('id', 'in', [...userIds]).execute();
}

/** When the system set this user away, if it did and the user has not changed presence since. */
export async function autoAwayAtOf(db: Db, userId: number): Promise<number | null> {
  const row = await db.selectFrom('users').select('auto_away_at').where('id', '=', userId).where('presence', '=', 'away').executeTakeFirst();
  return row?.auto_away_at ?? null;
}
