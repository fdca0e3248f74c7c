import type { AgentLoad, Presence } from '../core/routing.js';
import type { Db } from '../db/connect.js';
import type { NewUserRow, UserRow } from '../db/schema.js';

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username.trim().toLowerCase()).executeTakeFirst();
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertUser(db: Db, row: NewUserRow): Promise<number> {
  const { id } = await db.insertInto('users').values(row).returning('id').executeTakeFirstOrThrow();
  return id;
}

export async function hasActiveAdmin(db: Db): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('role', '=', 'admin').where('active', '=', 1).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function setPresence(db: Db, userId: number, presence: Presence): Promise<void> {
  await db.updateTable('users').set({ presence }).where('id', '=', userId).execute();
}

export async function setLastAssignedAt(db: Db, userId: number, at: number): Promise<void> {
  await db.updateTable('users').set({ last_assigned_at: at }).where('id', '=', userId).execute();
}

/**
 * Every active agent with its open-ticket count (one indexed count per agent), as routing sees it.
 * Admins are never routed tickets, so they are not here.
 */
export async function loadAgentLoads(db: Db, defaultCapacity: number): Promise<AgentLoad[]> {
  const rows = await db
    .selectFrom('users as u')
    .select((eb) => [
      'u.id',
      'u.presence',
      'u.capacity',
      'u.last_assigned_at',
      eb
        .selectFrom('tickets as t')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('t.agent_id', '=', 'u.id')
        .where('t.status', '=', 'open')
        .as('open_count'),
    ])
    .where('u.role', '=', 'agent')
    .where('u.active', '=', 1)
    .orderBy('u.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    presence: r.presence,
    capacity: r.capacity ?? defaultCapacity,
    openCount: Number(r.open_count ?? 0),
    lastAssignedAt: r.last_assigned_at,
  }));
}
