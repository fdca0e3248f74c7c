import { type Insertable, type RawBuilder, sql } from 'kysely';
import type { Db, DbHandle } from '../db/connect.js';
import type { OutboxRow, OutboxTable } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { giveUpAbandoned, toBeTried } from './abandoned.js';
import type { ThreadBefore } from '../mail/message.js';
import { CUSTOMER_MAIL_KINDS, type EmailContent, type MailKind } from '../mail/templates/index.js';

export type OutboxStatus = OutboxTable['status'];
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'sent', 'logged', 'skipped', 'failed', 'bounced'];

export interface NewEmail {
  ticketId: number | null;
  kind: MailKind;
  to: string;
  /** The recipient's name (the ticket's customer, a staff member's display name): `To: Name <address>`; absent: the bare address. */
  toName?: string;
  content: EmailContent;
  now: number;
  /** The message a `reply` email carries (its attachments are sent with it). */
  messageId?: number;
  /** Its Cc (§10 Cc: the ticket's copied people), fixed on the row so every try sends the same. */
  cc?: readonly string[];
  /** A `reply`'s room for files, as sent (core/mailSize.ts attachmentRoom): the worker attaches what fits in it. */
  attachmentRoom?: number;
}

/** A staff member as an email's recipient: `To: Display Name <address>` (message.ts keeps the name header-safe). */
export interface StaffRecipient {
  to: string;
  toName: string;
}

/** The recipient of an email to a staff account. */
export function staffRecipient(user: { email: string; display_name: string }): StaffRecipient {
  return { to: user.email.trim(), toName: user.display_name };
}

/** Adds an email to the outbox; callers pass the transaction of the change that causes it. */
export async function enqueueEmail(db: Db, email: NewEmail): Promise<void> {
  await enqueueEmails(db, [email]);
}

/** Adds several emails with one statement (see enqueueEmail). */
export async function enqueueEmails(db: Db, emails: readonly NewEmail[]): Promise<void> {
  if (emails.length > 0) await db.insertInto('outbox').values(emails.map(outboxRowOf)).execute();
}

/** The outbox row of a new email: pending, due at once. */
export function outboxRowOf(email: NewEmail): Insertable<OutboxTable> {
  return {
    ticket_id: email.ticketId,
    kind: email.kind,
    to_address: email.to,
    to_name: (email.toName ?? '').slice(0, 200),
    subject: email.content.subject,
    text_body: email.content.text,
    html_body: email.content.html,
    status: 'pending',
    attempts: 0,
    next_attempt_at: email.now,
    created_at: email.now,
    message_id: email.messageId ?? null,
    cc_addresses: (email.cc ?? []).join(','),
    attachment_room: email.attachmentRoom ?? null,
  };
}

/** Every email of one ticket, oldest first. */
export async function emailsOfTicket(db: Db, ticketId: number): Promise<OutboxRow[]> {
  return db.selectFrom('outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
}

/** What of an earlier email its Message-ID is made of (see mail/message.ts messageIdFor). */
export type ThreadEmail = Pick<OutboxRow, 'id' | 'ticket_id' | 'kind' | 'to_address' | 'created_at'>;

/** The parts of a thread threadQuery reads, one row each at most. */
type ThreadPart = 'first_email' | 'last_email' | 'first_message' | 'last_mail';

/** A value of threadQuery's walks: the email's own, or (PostgreSQL) a column of the round's list. */
type ThreadValue = number | RawBuilder<number>;

/**
 * The statement of threadsBefore for one email: four short walks of the ticket's range in two
 * indexes, at most a row each, whatever the ticket's history or the tables' size:
 * - its first and last customer emails before `beforeId`, from either end of `outbox_by_ticket
 *   (ticket_id, id)`, passing over only its staff emails (`sla_breached`);
 * - its first message (the mail that opened it, if one did) and the customer's latest mail written
 *   no later than `writtenAt` (the email's own created_at), from either end of `messages_by_ticket
 *   (ticket_id, id)` (or its public part, `messages_public_by_ticket`, which PostgreSQL picks for
 *   the latter as it leaves out notes), the latter passing over only the messages written since
 *   and those that came another way (staff replies, web messages).
 * Each row says which email it is for (`for_id`, the email's `beforeId`, or `forId`). Every value
 * is a parameter, never text of the statement: on SQLite a round's statement is then one of
 * THREADS_PER_STATEMENT texts, prepared once and kept (db/connect.ts). (`for_id` was a literal
 * once: every round's text was new, and its 100 walks were compiled again at every round, a fifth
 * of the delivery thread's CPU under intake: `perf`, bench:intake on SQLite at 10 connections.)
 */
export function threadQuery(db: Db, ticketId: ThreadValue, beforeId: ThreadValue, writtenAt: ThreadValue, forId: RawBuilder<number> = sql<number>`cast(${beforeId} as bigint)`) {
  const part = (name: ThreadPart) => sql<ThreadPart>`${sql.lit(name)}`.as('part');
  const forIdColumn = forId.as('for_id');
  // An email's kind and a message's share the column (as text).
  const kind = sql<string>`kind`.as('kind');
  const earlier = (name: ThreadPart) =>
    db
      .selectFrom('outbox')
      .select([forIdColumn, part(name), 'id', 'ticket_id', kind, 'to_address', 'created_at', sql<string | null>`null`.as('mail_key')])
      .where('ticket_id', '=', ticketId)
      .where('id', '<', beforeId)
      .where('kind', 'in', [...CUSTOMER_MAIL_KINDS]);
  const messages = (name: ThreadPart) =>
    db
      .selectFrom('messages')
      .select([forIdColumn, part(name), 'id', 'ticket_id', kind, sql<string>`null`.as('to_address'), 'created_at', 'mail_key'])
      .where('ticket_id', '=', ticketId);
  const lastMail = messages('last_mail').where('kind', '=', 'customer').where('automatic', '=', 0).where('mail_key', 'is not', null).where('created_at', '<=', writtenAt);
  return db
    .selectFrom(earlier('first_email').orderBy('id').limit(1).as('first_email'))
    .selectAll()
    .unionAll(db.selectFrom(earlier('last_email').orderBy('id', 'desc').limit(1).as('last_email')).selectAll())
    .unionAll(db.selectFrom(messages('first_message').orderBy('id').limit(1).as('first_message')).selectAll())
    .unionAll(db.selectFrom(lastMail.orderBy('id', 'desc').limit(1).as('last_mail')).selectAll());
}

/** The emails of one round whose threads threadsBefore reads in one statement, on SQLite. */
const THREADS_PER_STATEMENT = 25;

/**
 * Where each of `rows` (outbox rows of tickets) stands in its ticket's conversation (see
 * ThreadBefore in mail/message.ts): our customer emails before it, the mail that opened the
 * ticket, and the customer's latest mail before it; by outbox id. One statement for a worker's
 * round: a round trip per round, not per email.
 * - PostgreSQL: the round's emails as three arrays, and threadQuery's walks once, LATERAL, for
 *   each. The statement's text is the same whatever the round, and PostgreSQL plans four walks.
 *   (It was threadQuery's walks for every email in one UNION ALL: 100 walks to plan for a round of
 *   25, 9 ms of planning against 0.3 ms of reading, at every round: a third of PostgreSQL's CPU in
 *   bench:intake.)
 * - SQLite (no LATERAL; statements prepared once and kept, planning included): threadQuery's
 *   walks for every email, one UNION ALL per THREADS_PER_STATEMENT emails.
 */
export async function threadsBefore(handle: Pick<DbHandle, 'db' | 'dialect'>, rows: readonly Pick<OutboxRow, 'id' | 'ticket_id' | 'created_at'>[]): Promise<Map<number, ThreadBefore>> {
  const { db } = handle;
  const threads = new Map<number, ThreadBefore>();
  const chunk = handle.dialect === 'postgres' ? Math.max(rows.length, 1) : THREADS_PER_STATEMENT;
  for (let i = 0; i < rows.length; i += chunk) {
    const round = rows.slice(i, i + chunk);
    let found: ThreadRow[];
    if (handle.dialect === 'postgres') {
      found = (await roundThreadsStatement(db, round).execute(db)).rows;
    } else {
      const queries = round.map((row) => threadQuery(db, row.ticket_id!, row.id, row.created_at));
      found = await queries.slice(1).reduce((all, q) => all.unionAll(q), queries[0]!).execute();
    }
    for (const row of round) threads.set(row.id, threadOf(found.filter((r) => Number(r.for_id) === row.id)));
  }
  return threads;
}

/** threadsBefore's statement on PostgreSQL: threadQuery's walks, LATERAL, for each email of the round. */
export function roundThreadsStatement(db: Db, round: readonly Pick<OutboxRow, 'id' | 'ticket_id' | 'created_at'>[]): RawBuilder<ThreadRow> {
  const column = (name: string) => sql<number>`e.${sql.raw(name)}`;
  const walks = threadQuery(db, column('ticket_id'), column('for_id'), column('written_at'), column('for_id'));
  const list = (values: number[]) => sql`cast(${values} as bigint[])`;
  return sql<ThreadRow>`select t.* from unnest(${list(round.map((r) => r.id))}, ${list(round.map((r) => r.ticket_id!))}, ${list(round.map((r) => r.created_at))}) as e(for_id, ticket_id, written_at)
    cross join lateral (${walks}) as t`;
}

/** A row of threadQuery's statement. */
type ThreadRow = Awaited<ReturnType<ReturnType<typeof threadQuery>['execute']>>[number];

function threadOf(rows: readonly ThreadRow[]): ThreadBefore {
  const of = (name: ThreadPart) => rows.find((r) => r.part === name);
  const root = of('first_email');
  const previous = of('last_email');
  const email = (r: NonNullable<typeof root>): ThreadEmail => ({ id: r.id, ticket_id: r.ticket_id, kind: r.kind as ThreadEmail['kind'], to_address: r.to_address, created_at: r.created_at });
  const latest = of('last_mail');
  return {
    ours: root && previous ? { root: email(root), previous: email(previous) } : null,
    openingMail: of('first_message')?.mail_key ?? null,
    latestMail: latest?.mail_key ? { key: latest.mail_key, at: latest.created_at } : null,
  };
}

/** The most bounced emails a ticket page lists (a ticket has one customer address: a few say it all). */
const BOUNCES_SHOWN = 10;

/**
 * The ticket's customer emails that bounced (§10 rule 4), newest first, at most BOUNCES_SHOWN:
 * a walk of `outbox_by_ticket (ticket_id, id)` over the ticket's emails.
 */
export async function bouncedEmailsOfTicket(db: Db, ticketId: number): Promise<Pick<OutboxRow, 'id' | 'kind' | 'to_address' | 'last_error' | 'sent_at' | 'created_at'>[]> {
  return db
    .selectFrom('outbox')
    .select(['id', 'kind', 'to_address', 'last_error', 'sent_at', 'created_at'])
    .where('ticket_id', '=', ticketId)
    .where('status', '=', 'bounced')
    .where('kind', 'in', [...CUSTOMER_MAIL_KINDS])
    .orderBy('id', 'desc')
    .limit(BOUNCES_SHOWN)
    .execute();
}

export interface ClaimOptions {
  now: number;
  limit: number;
  /** Until when a claimed row is ours; after that another worker may take it again. */
  leaseUntil: number;
  /** Tries after which a row whose lease ran out is given up instead of claimed again. */
  maxAttempts: number;
}

/**
 * Claims up to `limit` due emails for one worker: rows `pending`, or `sending` whose lease ran out
 * (a worker died mid-send), with `next_attempt_at <= now`. They become `sending` with
 * `next_attempt_at = leaseUntil`, and their try is counted (`attempts + 1`) before it starts, so a
 * row that keeps killing its worker still runs out of tries: a row whose lease ran out after its
 * last try is given up (`failed`) instead, by the same claim.
 *
 * PostgreSQL: one statement (the giving up in a data-modifying WITH, the claim beside it: one round
 * trip per round), the due rows picked `FOR UPDATE SKIP LOCKED`, so concurrent workers take
 * disjoint rows without waiting for each other. SQLite: the two `UPDATE`s inside `BEGIN
 * IMMEDIATE`, which holds the database's write lock, so workers in several processes take turns.
 * Either way no row is handed to two workers while its lease holds.
 */
export async function claimDueEmails(handle: DbHandle, options: ClaimOptions): Promise<OutboxRow[]> {
  const rows =
    handle.dialect === 'postgres'
      ? await claimEmailsStatement(handle.db, options).execute()
      : await inTransaction(handle, async (trx) => {
          await giveUpAbandoned(trx, 'outbox', options.now, options.maxAttempts).execute();
          return trx.updateTable('outbox').set(claimedEmail(options.leaseUntil)).where('id', 'in', dueEmailIds(options, false)).returningAll().execute();
        });
  return rows.sort((a, b) => a.id - b.id);
}

/** The PostgreSQL claim as one statement (built, not run): the giving up in a data-modifying WITH. */
export function claimEmailsStatement(db: Db, options: ClaimOptions) {
  return db
    .with('given_up', () => giveUpAbandoned(db, 'outbox', options.now, options.maxAttempts).returning('id'))
    .updateTable('outbox')
    .set(claimedEmail(options.leaseUntil))
    .where('id', 'in', dueEmailIds(options, true))
    .returningAll();
}

function claimedEmail(leaseUntil: number) {
  return { status: 'sending' as const, attempts: sql<number>`attempts + 1`, next_attempt_at: leaseUntil };
}

/**
 * The ids of the oldest due emails, read in claim order from the partial index of due rows
 * (next_attempt_at, id), so a claim costs the rows it takes, not the backlog: SQLite, left to
 * itself, read every pending row through the status index and sorted them (2 ms a claim, growing
 * with the backlog, during bench:intake); PostgreSQL, with the index on time alone, read every
 * entry up to now (the emails sent since the last vacuum among them) and sorted them (migration
 * 2026-12-11T0900). Literal statuses, so SQLite may use the partial index at all. Never a row given
 * up by the same claim (in one PostgreSQL statement both parts see the same rows). PostgreSQL takes
 * them `FOR UPDATE SKIP LOCKED`.
 */
export function dueEmailIds(options: Pick<ClaimOptions, 'now' | 'limit' | 'maxAttempts'>, pg: boolean): RawBuilder<number> {
  const { now, limit, maxAttempts } = options;
  const from = pg ? sql`outbox` : sql`outbox indexed by outbox_due`;
  const lock = pg ? sql`for update skip locked` : sql``;
  return sql<number>`(select id from ${from} where ${toBeTried()} and next_attempt_at <= ${now}
      and (status = 'pending' or attempts < ${maxAttempts})
    order by next_attempt_at, id limit ${limit} ${lock})`;
}

/**
 * Records emails handed over — `sent` to a mail server, or only `logged` — in one statement. Only
 * rows still `sending` change (a retried or reset row is left alone); per id, whether its row changed.
 */
export async function markEmailsSent(db: Db, ids: readonly number[], now: number, status: 'sent' | 'logged' = 'sent'): Promise<boolean[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('outbox')
    .set({ status, sent_at: now, last_error: null })
    .where('id', 'in', [...ids])
    .where('status', '=', 'sending')
    .returning('id')
    .execute();
  const marked = new Set(rows.map((r) => r.id));
  return ids.map((id) => marked.has(id));
}

/** The longest error text kept per row: enough for an SMTP reply, bounded for the admin page. */
const MAX_ERROR_LENGTH = 2_000;

/**
 * Records an email not sent on purpose (an automatic email to a mailbox nobody reads, §5):
 * `skipped` with the reason, never tried again, not counted as undelivered.
 */
export async function markEmailSkipped(db: Db, id: number, reason: string): Promise<boolean> {
  const result = await db.updateTable('outbox').set({ status: 'skipped', last_error: reason.slice(0, MAX_ERROR_LENGTH) }).where('id', '=', id).where('status', '=', 'sending').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records a failed try: back to `pending` until `nextAttemptAt`, or `failed` for good (when
 * `nextAttemptAt` is null). The error is kept for the admin.
 */
export async function recordEmailFailure(db: Db, id: number, error: string, nextAttemptAt: number | null): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set(
      nextAttemptAt === null
        ? { status: 'failed', last_error: error.slice(0, MAX_ERROR_LENGTH) }
        : { status: 'pending', next_attempt_at: nextAttemptAt, last_error: error.slice(0, MAX_ERROR_LENGTH) },
    )
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * An admin's retry (SPEC §5): an email still in status `from` (`failed`, or `logged` when there is
 * now a mail server) becomes `pending`, due now, with a fresh set of tries and no sent time. The
 * last error stays visible until the email is sent. Returns false when the row does not exist or
 * is no longer in `from` (another admin retried it first).
 */
export async function retryEmail(db: Db, id: number, now: number, from: 'failed' | 'logged'): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, sent_at: null })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** `retryEmail` for every email in status `from` at once; returns how many were put back. */
export async function retryAllEmails(db: Db, now: number, from: 'failed' | 'logged'): Promise<number> {
  const result = await db
    .updateTable('outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, sent_at: null })
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface OutboxFilter {
  /** One status or several; all when absent. */
  status?: OutboxStatus | readonly OutboxStatus[];
  /** At most this many rows (default 100). */
  limit?: number;
}

/** Emails newest first, optionally of some statuses only. */
export async function listOutbox(db: Db, filter: OutboxFilter = {}): Promise<OutboxRow[]> {
  let query = db.selectFrom('outbox').selectAll();
  if (filter.status !== undefined) {
    const statuses: readonly OutboxStatus[] = typeof filter.status === 'string' ? [filter.status] : filter.status;
    if (statuses.length === 0) return [];
    query = query.where('status', 'in', statuses);
  }
  return query
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
}

/** The outbox's backlog and its problems, as /metrics and the dashboard show them. Sent emails, the bulk of the table, are not counted. */
export interface OutboxBacklog {
  pending: number;
  sending: number;
  failed: number;
  /** Sent, then reported undeliverable (§10 rule 4): not backlog, but an address to look at, like failed. */
  bounced: number;
  /** When the longest-waiting due email (pending, or claimed under a lease that ran out) became due (`next_attempt_at`); null when none is due. */
  oldestDueAt: number | null;
}

/**
 * The backlog in one statement, every part of it read from an index and bounded by the backlog,
 * never by the table (millions of sent rows): each count is a range of `outbox_by_status (status,
 * id)` (index-only on both engines: SQLite reads it as a covering index; PostgreSQL as an
 * index-only scan, which may visit the heap for pages vacuum has not marked all-visible), so it
 * costs one index entry per email in that status; the oldest due email is the first entry of the
 * partial index `outbox_due (next_attempt_at) where status in ('pending', 'sending')` that is due:
 * a pending email whose time has come, or one claimed by a worker whose lease has run out (the
 * worker died: it waits for another since its lease's end, which is its next_attempt_at). Literal
 * statuses, so SQLite may use the partial index at all (see claimDueEmails).
 */
export async function outboxBacklog(handle: DbHandle, now: number): Promise<OutboxBacklog> {
  const due = handle.dialect === 'postgres' ? sql`outbox` : sql`outbox indexed by outbox_due`;
  const count = (status: OutboxStatus) => sql<number>`(select count(*) from outbox where status = ${sql.lit(status)})`;
  const result = await sql<{ pending: number | string; sending: number | string; failed: number | string; bounced: number | string; oldest_due_at: number | string | null }>`select
      ${count('pending')} as pending, ${count('sending')} as sending, ${count('failed')} as failed, ${count('bounced')} as bounced,
      (select next_attempt_at from ${due} where ${toBeTried()} and next_attempt_at <= ${now}
        order by next_attempt_at limit 1) as oldest_due_at`.execute(handle.db);
  const row = result.rows[0]!;
  return {
    pending: Number(row.pending),
    sending: Number(row.sending),
    failed: Number(row.failed),
    bounced: Number(row.bounced),
    oldestDueAt: row.oldest_due_at === null ? null : Number(row.oldest_due_at),
  };
}
