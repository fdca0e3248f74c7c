/**
 * Moving a ticket's SLA clocks with the change that moves them (§11), inside its transaction: a
 * message (core/slaClocks.ts clocksAfterMessage) or a close (clocksAtClose). What the pure
 * decisions return is written to the ticket, and the first-response and next-reply clocks a reply
 * stopped are counted for the figures.
 */
import { type ClockEvent, clocksAfterMessage, clocksAtClose, type TicketClocks } from '../core/slaClocks.js';
import type { Db, DbHandle } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { calendarOfVersion, loadClockSettings } from '../repositories/calendarVersions.js';
import { countTarget } from '../repositories/slaTargetCounts.js';

/** Applies a message's clock moves to an open ticket (locked by the caller); returns the columns set. */
export async function moveClocksOnMessage(handle: DbHandle, trx: Db, ticket: TicketRow, event: ClockEvent, now: number): Promise<Partial<TicketClocks>> {
  if (ticket.status !== 'open') return {};
  const { settings, clock } = await loadClockSettings(handle, trx);
  const ticketCalendar = await calendarOfVersion(handle, trx, ticket.sla_calendar_version_id);
  const change = clocksAfterMessage(ticket, event, now, settings, ticketCalendar, clock);
  for (const stopped of change.stopped) {
    if (stopped.met) await countTarget(trx, stopped.metric, ticket.priority, 'met');
    else if (!stopped.recorded) await countTarget(trx, stopped.metric, ticket.priority, 'breached');
  }
  await setClocks(trx, ticket.id, change.set);
  return change.set;
}

/** The clock columns a close at `now` sets on the ticket (a paused resolution clock resumed first). */
export async function clocksForClose(handle: DbHandle, trx: Db, ticket: TicketRow, now: number): Promise<Partial<TicketClocks>> {
  if (ticket.sla_paused_at === null) return {};
  return clocksAtClose(ticket, now, await calendarOfVersion(handle, trx, ticket.sla_calendar_version_id));
}

async function setClocks(trx: Db, ticketId: number, set: Partial<TicketClocks>): Promise<void> {
  if (Object.keys(set).length === 0) return;
  await trx.updateTable('tickets').set(set).where('id', '=', ticketId).execute();
}
