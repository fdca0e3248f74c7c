/** Presence history (SPEC §14): each change of an agent's presence, for the forecast's backtest. */
import type { Presence } from '../core/routing.js';
import type { Db } from '../db/connect.js';

export async function recordPresence(db: Db, userId: number, presence: Presence, at: number): Promise<void> {
  await db.insertInto('presence_history').values({ user_id: userId, presence, at }).execute();
}

export interface PresenceRecord {
  userId: number;
  at: number;
  presence: Presence;
}

/**
 * The presence changes of `userIds` in [from, to), in time order, preceded by each agent's last
 * change before `from` (moved to `from`), so a replay starts from who was on duty then. At most
 * `limit` changes of the window: `truncated` says it holds more (the caller must not replay part).
 */
export async function presenceChangesIn(db: Db, userIds: readonly number[], from: number, to: number, limit: number): Promise<{ changes: PresenceRecord[]; truncated: boolean }> {
  if (userIds.length === 0) return { changes: [], truncated: false };
  const before: PresenceRecord[] = [];
  for (const userId of userIds) {
    const row = await db
      .selectFrom('presence_history')
      .select(['presence'])
      .where('user_id', '=', userId)
      .where('at', '<', from)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) before.push({ userId, at: from, presence: row.presence });
  }
  const rows = await db
    .selectFrom('presence_history')
    .select(['user_id', 'at', 'presence'])
    .where('user_id', 'in', [...userIds])
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const changes = rows.slice(0, limit).map((r) => ({ userId: r.user_id, at: Number(r.at), presence: r.presence }));
  return { changes: [...before, ...changes], truncated: rows.length > limit };
}
