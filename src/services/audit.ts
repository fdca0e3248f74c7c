/**
 * The audit log (SPEC §15). Every admin action and every sign-in records one entry with the
 * transaction of the change it records, so the entry commits with the change or not at all: one
 * call per action, `auditBy(trx, by, at, …)` or, inside a routing transaction, `auditRun(run, …)`.
 * Secrets in `before`/`after` are redacted (core/audit.ts).
 */
import { type AuditAction, type AuditEntry, auditJson } from '../core/audit.js';
import { cutUnits, wellFormed } from '../core/unicode.js';
import type { Db } from '../db/connect.js';
import { findUserById } from '../repositories/users.js';
import type { RoutingRun } from './routing.js';

/**
 * Who does an audited action: a staff member from a request, with the client's address (what
 * routes pass, http/acting.ts); or a user id alone (a script or a test's set-up: no address); or
 * null (the system, a command-line tool).
 */
export type Acting = { id: number; username: string; address: string } | number | null;

/**
 * What a route adds to a staff member acting on a ticket (a close, a reply and close), so that an
 * admin's audit entry names them with the client's address (http/acting.ts actingOf): both or neither.
 */
export interface RequestOrigin {
  username?: string;
  address?: string;
}

/** The Acting of a staff member on a ticket: with the request's origin when the route gave it, else the id alone (a script, a test). */
export function actingAs(actor: { id: number } & RequestOrigin): Acting {
  return actor.username !== undefined && actor.address !== undefined ? { id: actor.id, username: actor.username, address: actor.address } : actor.id;
}

/** The user id of `by` (for events' actor column), or null. */
export function actingId(by: Acting): number | null {
  return by === null ? null : typeof by === 'number' ? by : by.id;
}

/** What an action changed: the state before and after, where it applies (secrets are redacted). */
export interface AuditChange {
  before?: unknown;
  after?: unknown;
}

/**
 * Records one entry at `at` (the change's own clock reading) inside `trx`. Its texts are cut to
 * their columns between characters: half an emoji would be stored as U+FFFD (three of them on SQLite).
 */
export async function audit(trx: Db, entry: AuditEntry, at: number): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at,
      actor_id: entry.actor?.id ?? null,
      actor_name: cutUnits(entry.actor?.name ?? '', 200),
      action: cutUnits(entry.action, 60),
      subject: cutUnits(wellFormed(entry.subject), 200),
      address: cutUnits(entry.address, 64),
      before_json: auditJson(entry.before),
      after_json: auditJson(entry.after),
    })
    .execute();
}

/** Records `action` of `by` on `subject` inside `trx` (one call per action). */
export async function auditBy(trx: Db, by: Acting, at: number, action: AuditAction, subject: string, change: AuditChange = {}): Promise<void> {
  const actor = by === null ? null : typeof by === 'number' ? { id: by, name: (await findUserById(trx, by))?.username ?? '' } : { id: by.id, name: by.username };
  const address = by !== null && typeof by === 'object' ? by.address : '';
  await audit(trx, { actor, action, subject, address, before: change.before, after: change.after }, at);
}

/** auditBy inside a routing transaction: its connection, instant and acting staff member. */
export function auditRun(run: RoutingRun, action: AuditAction, subject: string, change: AuditChange = {}): Promise<void> {
  return auditBy(run.trx, run.acting, run.now, action, subject, change);
}
