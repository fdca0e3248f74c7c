/**
 * What a refused request must leave alone: every row of the tables a request can change, in a
 * stable order, as one comparable value. Sessions are left out (looking at a page may touch one),
 * and so is an API token's last use (a refused call still used the token).
 */
import type { Db } from '../../src/db/connect.js';
import type { RouteOptions } from 'fastify';

export interface Snapshot {
  tickets: unknown[];
  ticket_events: unknown[];
  outbox: unknown[];
  users: unknown[];
  settings: unknown[];
  api_tokens: unknown[];
  calendars: unknown[];
  calendar_versions: unknown[];
  password_resets: unknown[];
  recovery_codes: unknown[];
  /** Teams, skills and topics (§12) with their links. */
  teams: unknown[];
}

export async function snapshot(db: Db): Promise<Snapshot> {
  const [tickets, ticket_events, outbox, users, settings, tokens, calendars, calendar_versions, password_resets, recovery_codes] = await Promise.all([
    db.selectFrom('tickets').selectAll().orderBy('id').execute(),
    db.selectFrom('ticket_events').selectAll().orderBy('id').execute(),
    // The worker is not running in these tests, so an email's status only changes by a request.
    // Bodies are left out: they never change after the row is written, and they are most of the bytes.
    db.selectFrom('outbox').select(['id', 'ticket_id', 'kind', 'to_address', 'subject', 'status', 'attempts', 'next_attempt_at', 'last_error', 'sent_at']).orderBy('id').execute(),
    db.selectFrom('users').selectAll().orderBy('id').execute(),
    db.selectFrom('settings').selectAll().execute(),
    db.selectFrom('api_tokens').selectAll().orderBy('id').execute(),
    db.selectFrom('calendars').selectAll().orderBy('id').execute(),
    db.selectFrom('calendar_versions').selectAll().orderBy('id').execute(),
    db.selectFrom('password_resets').selectAll().orderBy('id').execute(),
    db.selectFrom('recovery_codes').selectAll().orderBy('id').execute(),
  ]);
  const teams = await Promise.all([
    db.selectFrom('teams').selectAll().orderBy('id').execute(),
    db.selectFrom('team_members').selectAll().orderBy('team_id').orderBy('user_id').execute(),
    db.selectFrom('skills').selectAll().orderBy('id').execute(),
    db.selectFrom('agent_skills').selectAll().orderBy('user_id').orderBy('skill_id').execute(),
    db.selectFrom('topics').selectAll().orderBy('id').execute(),
    db.selectFrom('topic_skills').selectAll().orderBy('topic_id').orderBy('skill_id').execute(),
    db.selectFrom('topic_addresses').selectAll().orderBy('address').execute(),
  ]);
  return { tickets, ticket_events, outbox, users, settings, api_tokens: tokens.map(({ last_used_at: _used, ...rest }) => rest), calendars, calendar_versions, password_resets, recovery_codes, teams };
}

/** Whether two snapshots are the same (fast; use toEqual afterwards for a readable difference). */
export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Row counts of the tables a ticket write touches. */
export async function counts(db: Db): Promise<{ tickets: number; events: number; created: number; outbox: number; createdEmails: number }> {
  const n = async (query: Promise<{ n: number | string | bigint }>) => Number((await query).n);
  return {
    tickets: await n(db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()),
    events: await n(db.selectFrom('ticket_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()),
    created: await n(db.selectFrom('ticket_events').where('type', '=', 'created').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()),
    outbox: await n(db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()),
    createdEmails: await n(db.selectFrom('outbox').where('kind', '=', 'created').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()),
  };
}

/** One route as the tables of the access and CSRF tests name it: `GET /admin/tickets/:id/`. */
export interface RouteKey {
  method: string;
  url: string;
}

/**
 * Collects every route an app adds (pass `collect` as startTestApp's onRoute), without the HEAD
 * twins Fastify adds for each GET and without static files (served as they are, to anyone).
 */
export function routeCollector(): { collect: (route: RouteOptions) => void; routes: () => RouteKey[] } {
  const seen = new Map<string, RouteKey>();
  return {
    collect(route) {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        const key = `${method} ${route.url}`;
        seen.set(key, { method, url: route.url });
      }
    },
    routes: () => [...seen.values()],
  };
}
