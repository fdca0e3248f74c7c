/**
 * The §11 figures' counts: each target's met and breached clocks per priority, and how many
 * tickets have a first public reply with the sum of their first-response times.
 *
 * All time: sla_target_counts (nine rows) and first_response_histogram's sums, kept by triggers in
 * the transaction of every change (migration 2026-12-03T0900). A window: the same rules
 * (src/core/slaFigures.ts) as SQL over the window's tickets, one pass of its created_at slice.
 * Both count every ticket the same way, so a window holding every ticket gives the all-time figures.
 */
import { sql } from 'kysely';
import type { SlaMetric } from '../core/slaClocks.js';
import { PRIORITIES, type Priority } from '../core/tickets.js';
import { scansTickets, sliceSql, windowHint } from './ticketSlice.js';
import type { Db } from '../db/connect.js';
import { FIRST_RESPONSE } from './durationQuantiles.js';

export interface TargetCount {
  met: number;
  breached: number;
}

export type TargetCounts = Record<SlaMetric, Record<Priority, TargetCount>>;

export interface SlaFigureTotals {
  targets: TargetCounts;
  /** Tickets with a first public reply, and the sum of their first_response_at − created_at (ms). */
  answered: number;
  firstResponseMs: number;
}

/** The rules of core/slaFigures.ts over the tickets table's columns, as 0/1 per ticket. */
const firstResponseStop = `coalesce(first_response_at, case when status = 'closed' then closed_at end)`;
const RULES: Record<SlaMetric, { met: string; breached: string }> = {
  resolution: {
    met: `case when status = 'closed' and closed_at <= sla_due_at then 1 else 0 end`,
    breached: `case when (status = 'closed' and closed_at > sla_due_at) or (status = 'open' and sla_breached_at is not null) then 1 else 0 end`,
  },
  first_response: {
    met: `case when ${firstResponseStop} <= first_response_due_at then 1 else 0 end`,
    breached: `case when ${firstResponseStop} > first_response_due_at
      or (${firstResponseStop} is null and first_response_due_at is not null and first_response_breached_at is not null) then 1 else 0 end`,
  },
  next_reply: { met: 'next_reply_met', breached: 'next_reply_breached' },
};
const METRICS = Object.keys(RULES) as SlaMetric[];

function emptyCounts(): TargetCounts {
  const perPriority = () => Object.fromEntries(PRIORITIES.map((p) => [p, { met: 0, breached: 0 }])) as Record<Priority, TargetCount>;
  return { resolution: perPriority(), first_response: perPriority(), next_reply: perPriority() };
}

/** The counts of the tickets created at or after `since` (null: all time, from the summaries). */
export async function slaFigureTotals(db: Db, since: number | null, teamId: number | null = null): Promise<SlaFigureTotals> {
  return scansTickets(since, teamId) ? inWindow(db, since, teamId) : allTime(db);
}

async function allTime(db: Db): Promise<SlaFigureTotals> {
  const targets = emptyCounts();
  for (const row of await db.selectFrom('sla_target_counts').select(['metric', 'priority', 'met', 'breached']).execute()) {
    const slot = targets[row.metric]?.[row.priority];
    if (slot) Object.assign(slot, { met: Number(row.met), breached: Number(row.breached) });
  }
  const sums = await db
    .selectFrom('first_response_histogram')
    .select([sql<number>`coalesce(sum(answered), 0)`.as('answered'), sql<number>`coalesce(sum(total_ms), 0)`.as('total_ms')])
    .executeTakeFirstOrThrow();
  return { targets, answered: Number(sums.answered), firstResponseMs: Number(sums.total_ms) };
}

async function inWindow(db: Db, since: number | null, teamId: number | null): Promise<SlaFigureTotals> {
  const column = (metric: SlaMetric, outcome: 'met' | 'breached') => sql.id(`${metric}_${outcome}`);
  const sums = METRICS.flatMap((m) => (['met', 'breached'] as const).map((o) => sql`coalesce(sum(${sql.raw(RULES[m][o])}), 0) as ${column(m, o)}`));
  // Without ANALYZE statistics SQLite would group by walking a priority index over every ticket.
  const { rows } = await sql<Record<string, number | string>>`select priority, ${sql.join(sums, sql`, `)},
      count(first_response_at) as answered, coalesce(sum(${sql.raw(FIRST_RESPONSE.value)}), 0) as first_response_ms
    from tickets ${windowHint(db, since)} where 1 = 1 ${sliceSql(since, teamId)} group by priority`.execute(db);
  const targets = emptyCounts();
  let answered = 0;
  let firstResponseMs = 0;
  for (const row of rows) {
    const priority = row.priority as Priority;
    if (!PRIORITIES.includes(priority)) continue;
    for (const m of METRICS) targets[m][priority] = { met: Number(row[`${m}_met`]), breached: Number(row[`${m}_breached`]) };
    answered += Number(row.answered);
    firstResponseMs += Number(row.first_response_ms);
  }
  return { targets, answered, firstResponseMs };
}
