/**
 * What the SLA monitor watches (§4, §11): for each target, its breach and its warning. Each watch
 * is a due-instant column, the condition under which it may still fire, and the column that records
 * that it fired. Each has a partial index whose condition is the watch's condition (migrations
 * 2026-11-27T1200 for the resolution breach, 2026-12-02T1900 for the rest), so a watch reads only
 * the tickets it may still fire for, never the whole table.
 *
 * The conditions are SQL literals on purpose: a planner pairs a query with a partial index only when
 * the index's condition appears as written (a bound 'open' does not prove it), and SQLite, without
 * statistics, prefers any equality index on status, so it is told which index to use.
 */
import { sql } from 'kysely';
import type { SlaMetric } from '../core/slaClocks.js';
import type { Priority } from '../core/tickets.js';
import type { Db, Dialect } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';

export interface SlaWatch {
  metric: SlaMetric;
  kind: 'breach' | 'warning';
  /** The column holding the instant the watch fires after. */
  due: keyof TicketRow & string;
  /** The column holding the metric's deadline, which the alert names (a warning fires before it). */
  deadline: keyof TicketRow & string;
  /** The column that records it fired. */
  mark: keyof TicketRow & string;
  index: string;
  /** The index's condition, literally. */
  condition: string;
  /** A counter on the ticket the watch adds one to as it fires (the next-reply breach: core/slaFigures.ts). */
  count?: 'next_reply_breached';
}

export const SLA_WATCHES: readonly SlaWatch[] = [
  {
    metric: 'resolution',
    kind: 'breach',
    due: 'sla_due_at',
    deadline: 'sla_due_at',
    mark: 'sla_breached_at',
    index: 'tickets_sla_watch',
    condition: `status = 'open' and sla_breached_at is null`,
  },
  {
    metric: 'resolution',
    kind: 'warning',
    due: 'sla_warn_at',
    deadline: 'sla_due_at',
    mark: 'sla_warned_at',
    index: 'tickets_sla_warn_watch',
    condition: `status = 'open' and sla_warn_at is not null and sla_warned_at is null and sla_breached_at is null`,
  },
  {
    metric: 'first_response',
    kind: 'breach',
    due: 'first_response_due_at',
    deadline: 'first_response_due_at',
    mark: 'first_response_breached_at',
    index: 'tickets_first_response_watch',
    condition: `status = 'open' and first_response_due_at is not null and first_response_at is null and first_response_breached_at is null`,
  },
  {
    metric: 'first_response',
    kind: 'warning',
    due: 'first_response_warn_at',
    deadline: 'first_response_due_at',
    mark: 'first_response_warned_at',
    index: 'tickets_first_response_warn_watch',
    condition: `status = 'open' and first_response_warn_at is not null and first_response_at is null and first_response_warned_at is null and first_response_breached_at is null`,
  },
  {
    metric: 'next_reply',
    kind: 'breach',
    due: 'next_reply_due_at',
    deadline: 'next_reply_due_at',
    mark: 'next_reply_breached_at',
    index: 'tickets_next_reply_watch',
    condition: `status = 'open' and next_reply_due_at is not null and next_reply_breached_at is null`,
    count: 'next_reply_breached',
  },
  {
    metric: 'next_reply',
    kind: 'warning',
    due: 'next_reply_warn_at',
    deadline: 'next_reply_due_at',
    mark: 'next_reply_warned_at',
    index: 'tickets_next_reply_warn_watch',
    condition: `status = 'open' and next_reply_warn_at is not null and next_reply_warned_at is null and next_reply_breached_at is null`,
  },
];

/** The resolution breach watch (§4). */
export const RESOLUTION_BREACH = SLA_WATCHES[0]!;

function watched(watch: SlaWatch, dialect: Dialect) {
  return sql.raw(dialect === 'sqlite' ? `tickets indexed by ${watch.index}` : 'tickets');
}

/**
 * The watch's due tickets at `now` (due < now: at the due instant exactly the target is still met),
 * earliest first. `lock` (PostgreSQL, inside a transaction) locks them `FOR NO KEY UPDATE SKIP
 * LOCKED`, so concurrent monitors take disjoint tickets without waiting on each other or on routing.
 */
export function watchDueQuery(watch: SlaWatch, dialect: Dialect, now: number, limit: number, lock = false) {
  const locking = lock && dialect === 'postgres' ? sql` for no key update skip locked` : sql``;
  const due = sql.ref(watch.due);
  return sql<{ id: number; priority: Priority }>`select id, priority from ${watched(watch, dialect)} where ${sql.raw(watch.condition)} and ${due} < ${now} order by ${due}, id limit ${limit}${locking}`;
}

/** The watch's earliest due instant. */
export function watchNextQuery(watch: SlaWatch, dialect: Dialect) {
  return sql<{ due: number | null }>`select min(${sql.ref(watch.due)}) as due from ${watched(watch, dialect)} where ${sql.raw(watch.condition)}`;
}

/** Whether the watch has a ticket due at `now` (a read, outside any transaction: an idle watch opens none). */
export async function watchHasDue(db: Db, dialect: Dialect, watch: SlaWatch, now: number): Promise<boolean> {
  const row = (await watchNextQuery(watch, dialect).execute(db)).rows[0];
  return row?.due != null && Number(row.due) < now;
}

/** The watch's due tickets at `now`, earliest first, with their priorities (locked on PostgreSQL: watchDueQuery). */
export async function dueForWatch(db: Db, dialect: Dialect, watch: SlaWatch, now: number, limit: number): Promise<{ id: number; priority: Priority }[]> {
  const result = await watchDueQuery(watch, dialect, now, limit, true).execute(db);
  return result.rows.map((r) => ({ id: Number(r.id), priority: r.priority }));
}

/**
 * Records that the watch fired for one ticket at `now`, if it still may: the claim that makes each
 * breach and warning happen once however many monitors run. Returns the ticket after the mark, or
 * undefined when another monitor took it or the ticket changed meanwhile (answered, closed, paused).
 */
export async function claimWatch(db: Db, watch: SlaWatch, ticketId: number, now: number): Promise<TicketRow | undefined> {
  const count = watch.count === undefined ? sql`` : sql`, ${sql.ref(watch.count)} = ${sql.ref(watch.count)} + 1`;
  const result = await sql<TicketRow>`update tickets set ${sql.ref(watch.mark)} = ${now}${count} where id = ${ticketId} and ${sql.raw(watch.condition)} and ${sql.ref(watch.due)} < ${now} returning *`.execute(db);
  return result.rows[0];
}

/** The earliest instant any watch fires after: one query, each part read from its watch's index. */
export function nextWatchQuery(dialect: Dialect) {
  const parts = SLA_WATCHES.map((watch) => sql`select min(${sql.ref(watch.due)}) as due from ${watched(watch, dialect)} where ${sql.raw(watch.condition)}`);
  return sql<{ due: number | null }>`select min(due) as due from (${sql.join(parts, sql` union all `)}) as watches`;
}

/** The earliest instant any watch fires after, or null when none waits. */
export async function nextWatchInstant(db: Db, dialect: Dialect): Promise<number | null> {
  const row = (await nextWatchQuery(dialect).execute(db)).rows[0];
  return row?.due == null ? null : Number(row.due);
}
