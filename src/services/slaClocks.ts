/**
 * Moving a ticket's SLA clocks with the change that moves them (§11), inside its transaction: a
 * message (core/slaClocks.ts clocksAfterMessage) or a close (clocksAtClose). What the pure
 * decisions return is written to the ticket, with the next-reply clock a reply stopped counted on
 * the ticket (`next_reply_met` / `next_reply_breached`); the figures' summaries follow the ticket
 * row by trigger (migration 2026-12-03T0900), the first response from `first_response_at`.
 */
import { sql } from 'kysely';
import { stoppedCounts } from '../core/slaFigures.js';
import { type ClockEvent, clocksAfterMessage, clocksAtClose, resumed, type TicketClocks } from '../core/slaClocks.js';
import type { Db, DbHandle } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { calendarOfVersion, loadClockSettings } from '../repositories/calendarVersions.js';
import { lockPausedTickets } from '../repositories/tickets.js';
import { messageChange, type TicketChange } from './context.js';

/** Applies a message's clock moves to an open ticket (locked by the caller); returns the columns set. */
export async function moveClocksOnMessage(handle: DbHandle, trx: Db, ticket: TicketRow, event: ClockEvent, now: number): Promise<Partial<TicketClocks>> {
  if (ticket.status !== 'open') return {};
  const { settings, clock } = await loadClockSettings(handle, trx, ticket.team_id);
  const ticketCalendar = await calendarOfVersion(handle, trx, ticket.sla_calendar_version_id);
  const change = clocksAfterMessage(ticket, event, now, settings, ticketCalendar, clock);
  const nextReply = change.stopped.find((s) => s.metric === 'next_reply');
  await setClocks(trx, ticket.id, change.set, nextReply === undefined ? null : stoppedCounts(nextReply));
  return change.set;
}

/** The clock columns a close at `now` sets on the ticket (a paused resolution clock resumed first). */
export async function clocksForClose(handle: DbHandle, trx: Db, ticket: TicketRow, now: number): Promise<Partial<TicketClocks>> {
  if (ticket.sla_paused_at === null) return {};
  return clocksAtClose(ticket, now, await calendarOfVersion(handle, trx, ticket.sla_calendar_version_id));
}

/**
 * Starts every paused resolution clock again at `now`, each with the time it had left, as the
 * customer's message would (`pause_while_waiting` turned off: no clock waits for a message that the
 * setting no longer waits for). The rows are locked first, so a customer's message resuming one at
 * the same moment is either seen (not paused any more) or waits. Returns the live changes of the
 * tickets resumed, the ones a customer's message starting the clock publishes (pages showing
 * "SLA paused" refetch); like that message's restart, they are no webhook event.
 */
export async function resumePausedClocks(handle: DbHandle, trx: Db, now: number): Promise<TicketChange[]> {
  const paused = await lockPausedTickets(trx);
  for (const ticket of paused) {
    await setClocks(trx, ticket.id, resumed(ticket, now, await calendarOfVersion(handle, trx, ticket.sla_calendar_version_id)), null);
  }
  return paused.map(messageChange);
}

/** Writes the clock columns, and moves the counters of a next-reply clock that stopped (core/slaFigures.ts stoppedCounts). */
async function setClocks(trx: Db, ticketId: number, set: Partial<TicketClocks>, counts: { met: number; breached: number } | null): Promise<void> {
  const counters = Object.fromEntries(
    (['met', 'breached'] as const).filter((k) => counts !== null && counts[k] !== 0).map((k) => [`next_reply_${k}`, sql<number>`${sql.ref(`next_reply_${k}`)} + ${counts![k]}`]),
  );
  if (Object.keys(set).length === 0 && Object.keys(counters).length === 0) return;
  await trx.updateTable('tickets').set({ ...set, ...counters }).where('id', '=', ticketId).execute();
}
