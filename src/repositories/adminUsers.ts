/** Admin-only writes and look-ups on staff accounts (deactivate, capacity, the reassign menu). */
import { sql } from 'kysely';
import type { NoticeFacts } from '../core/notices.js';
import type { Presence } from '../core/routing.js';
import type { Db } from '../db/connect.js';

/** Deactivates (offline, no login) or reactivates (still offline until it logs in) an account. */
export async function setUserActive(db: Db, userId: number, active: boolean): Promise<void> {
  await db
    .updateTable('users')
    .set(active ? { active: 1 } : { active: 0, presence: 'offline' })
    .where('id', '=', userId)
    .execute();
}

/** Sets an agent's own capacity; null means the global default applies. */
export async function setUserCapacity(db: Db, userId: number, capacity: number | null): Promise<void> {
  await db.updateTable('users').set({ capacity }).where('id', '=', userId).execute();
}

/** Sets an account's display name and email, and its password hash when given. */
export async function setUserProfile(db: Db, userId: number, profile: { displayName: string; email: string; passwordHash: string | null }): Promise<void> {
  await db
    .updateTable('users')
    .set({ display_name: profile.displayName, email: profile.email, ...(profile.passwordHash === null ? {} : { password_hash: profile.passwordHash }) })
    .where('id', '=', userId)
    .execute();
}

/**
 * The facts behind the admin pages' warnings (core/notices.ts), in one statement read from indexes: the newest
 * `logged` and the newest `sent` email are each the last entry of their range of
 * `outbox_by_status (status, id)`; an inbound token and an inbound mail, the first row found.
 * `mailboxRead`: IMAP_URL is set.
 */
export async function noticeFacts(db: Db, mailboxRead = false): Promise<NoticeFacts> {
  const result = await sql<{ admin_with_email: number | string | null; logged: number | string | null; sent: number | string | null; inbound_token: number | string | null; mail_in: number | string | null }>`select
      (select 1 from users where role = 'admin' and active = 1 and email <> '' limit 1) as admin_with_email,
      (select max(id) from outbox where status = 'logged') as logged,
      (select max(id) from outbox where status = 'sent') as sent,
      (select 1 from api_tokens where scope = 'inbound' and revoked_at is null limit 1) as inbound_token,
      (select 1 from inbound_mails limit 1) as mail_in`.execute(db);
  const row = result.rows[0]!;
  return {
    adminWithEmail: row.admin_with_email !== null,
    lastEmailLogged: row.logged !== null && (row.sent === null || Number(row.logged) > Number(row.sent)),
    // Only a question once emails go out: before that, nobody has been invited to answer.
    answersRead: row.sent === null || mailboxRead || row.inbound_token !== null || row.mail_in !== null,
  };
}

/** Active admins other than `exceptId`. */
export async function countOtherActiveAdmins(db: Db, exceptId: number): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select(sql<number>`count(*)`.as('n'))
    .where('role', '=', 'admin')
    .where('active', '=', 1)
    .where('id', '!=', exceptId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface AgentChoice {
  id: number;
  username: string;
  displayName: string;
  presence: Presence;
  capacity: number;
  openCount: number;
  /** Its teams (§12), by id order. */
  teams: { id: number; name: string }[];
}

/** Every active agent with its load and teams, for the reassign menu (by username). */
export async function activeAgentChoices(db: Db, defaultCapacity: number): Promise<AgentChoice[]> {
  const rows = await db
    .selectFrom('users as u')
    .select((eb) => [
      'u.id',
      'u.username',
      'u.display_name',
      'u.presence',
      'u.capacity',
      eb.selectFrom('tickets as t').select(eb.fn.countAll<number>().as('n')).whereRef('t.agent_id', '=', 'u.id').where('t.status', '=', 'open').as('open_count'),
    ])
    .where('u.role', '=', 'agent')
    .where('u.active', '=', 1)
    .orderBy('u.username')
    .execute();
  const memberships = await db
    .selectFrom('team_members as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 't.id', 't.name'])
    .where('u.role', '=', 'agent')
    .where('u.active', '=', 1)
    .orderBy('t.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    presence: r.presence,
    capacity: r.capacity ?? defaultCapacity,
    openCount: Number(r.open_count ?? 0),
    teams: memberships.filter((m) => m.user_id === r.id).map((m) => ({ id: Number(m.id), name: m.name })),
  }));
}
