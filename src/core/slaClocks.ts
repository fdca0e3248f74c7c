/**
 * The SLA clocks of a ticket (§4, §11), as pure decisions: which due and warning instants a new
 * ticket gets, and how a message moves them. The services store what these return, in the
 * transaction of the change.
 *
 * - resolution: creation → close, on `sla_due_at`; pauses while the ticket waits on the customer
 *   when `pause_while_waiting` is on (its due instant is then PAUSED_DUE_AT, and the business time
 *   that was left is kept), and starts again with the customer's message.
 * - first response: creation → the first public reply.
 * - next reply: a customer message → the next public reply; one clock at a time (a second customer
 *   message while one runs does not restart it: the answer is still owed since the first).
 *
 * Each counts business time of its calendar: the one in the settings when the clock starts (a
 * changed calendar or target applies to clocks started after the change). The resolution clock
 * keeps its calendar for a pause and its restart (`sla_calendar_version_id`). A warning is due when
 * `warn_at_percent` of the target's business time has passed.
 */
import { addBusinessTime, businessTimeBetween } from './businessTime.js';
import type { SlaCalendar } from './calendar.js';
import type { Settings } from './settings.js';
import type { Priority } from './tickets.js';

/** `sla_due_at` of a paused clock, and of a target beyond the calendar's horizon: the last instant a Date can hold. */
export const PAUSED_DUE_AT = 8_640_000_000_000_000;

/**
 * A stored due instant as one that will come: null for none, for a paused clock and for a target
 * its calendar cannot hold within ten years (both stored as PAUSED_DUE_AT, which no page, API answer
 * or export should show as a date 270,000 years ahead).
 */
export function knownDueAt(ms: number | null): number | null {
  return ms === null || ms >= PAUSED_DUE_AT ? null : ms;
}

/**
 * The due instant of the next-reply clock a ticket runs, as the API and pages name it: none once
 * the ticket is closed (the close stopped the clock and counted it; a plain close leaves the
 * column as it was), none without a known due instant (knownDueAt).
 */
export function runningNextReplyDue(ticket: { status: 'open' | 'closed'; next_reply_due_at: number | null }): number | null {
  return ticket.status === 'open' ? knownDueAt(ticket.next_reply_due_at) : null;
}

/** What staff read for a due instant its calendar cannot hold within ten years. */
export const NO_DUE_TIME = 'none within ten years of the SLA calendar’s hours';

export type SlaMetric = 'resolution' | 'first_response' | 'next_reply';
export const SLA_METRICS: readonly SlaMetric[] = ['resolution', 'first_response', 'next_reply'];

/** The calendar clocks start with now: the settings' calendar, with its version id (null: 24/7). */
export interface ClockCalendar {
  versionId: number | null;
  calendar: SlaCalendar;
}

export const ALWAYS_OPEN_CLOCK: ClockCalendar = { versionId: null, calendar: null };

/** A ticket's clock columns (the names of the tickets table). */
export interface TicketClocks {
  sla_due_at: number;
  sla_breached_at: number | null;
  sla_calendar_version_id: number | null;
  sla_paused_at: number | null;
  sla_remaining_ms: number | null;
  sla_warn_at: number | null;
  sla_warned_at: number | null;
  sla_warn_remaining_ms: number | null;
  first_response_due_at: number | null;
  first_response_warn_at: number | null;
  next_reply_started_at: number | null;
  next_reply_due_at: number | null;
  next_reply_warn_at: number | null;
  next_reply_warned_at: number | null;
  next_reply_breached_at: number | null;
}

/** A new ticket's clock columns before clocksAtCreation fills them: nothing paused, warned, breached, running or counted. */
export const IDLE_CLOCKS = {
  sla_breached_at: null,
  sla_paused_at: null,
  sla_remaining_ms: null,
  sla_warned_at: null,
  sla_warn_remaining_ms: null,
  first_response_warned_at: null,
  first_response_breached_at: null,
  next_reply_started_at: null,
  next_reply_due_at: null,
  next_reply_warn_at: null,
  next_reply_warned_at: null,
  next_reply_breached_at: null,
  /** No next-reply clock counted yet (core/slaFigures.ts). */
  next_reply_met: 0,
  next_reply_breached: 0,
} as const;

/** The instant `seconds` of business time after `start`, or PAUSED_DUE_AT past the horizon. */
function dueAfter(calendar: SlaCalendar, start: number, ms: number): number {
  return addBusinessTime(calendar, start, ms) ?? PAUSED_DUE_AT;
}

/**
 * The warning instant of a clock due at `due`: none for a clock with no due instant (beyond its
 * calendar's ten years), whose warning could name no deadline (it read "due … 275760").
 */
function warnFor(due: number, warn: () => number): number | null {
  return knownDueAt(due) === null ? null : warn();
}

/** The due and warning instants of a clock of `seconds` started at `start`. */
export function clockFrom(calendar: SlaCalendar, start: number, seconds: number, warnAtPercent: number | null): { due: number; warn: number | null } {
  const ms = seconds * 1000;
  const due = dueAfter(calendar, start, ms);
  const warn = warnAtPercent === null ? null : warnFor(due, () => dueAfter(calendar, start, Math.max(1, Math.round((ms * warnAtPercent) / 100))));
  return { due, warn };
}

/** The clock columns of a ticket created at `now`. With no calendar and no §11 setting: §4 exactly (created_at + limit). */
export function clocksAtCreation(
  now: number,
  priority: Priority,
  settings: Settings,
  clock: ClockCalendar,
): Pick<TicketClocks, 'sla_due_at' | 'sla_calendar_version_id' | 'sla_warn_at' | 'first_response_due_at' | 'first_response_warn_at'> {
  const resolution = clockFrom(clock.calendar, now, settings.sla[priority], settings.warnAtPercent);
  const firstTarget = settings.firstResponse[priority];
  const first = firstTarget === null ? null : clockFrom(clock.calendar, now, firstTarget, settings.warnAtPercent);
  return {
    sla_due_at: resolution.due,
    sla_calendar_version_id: clock.versionId,
    sla_warn_at: resolution.warn,
    first_response_due_at: first?.due ?? null,
    first_response_warn_at: first?.warn ?? null,
  };
}

/** What a message is to the clocks: a public reply (one that closes the ticket pauses nothing), or the customer's message. */
export type ClockEvent = 'public_reply' | 'closing_reply' | 'customer_message';

/**
 * A first-response or next-reply clock a reply stopped, for the figures: `met` when answered at or
 * before its due instant; otherwise a breach, already counted when `recorded` by the monitor (a
 * reply in the second between the due instant and the monitor's pass is a breach nobody recorded).
 */
export interface StoppedClock {
  metric: 'first_response' | 'next_reply';
  met: boolean;
  recorded: boolean;
}

export interface ClockChange {
  /** The columns to set (only those that change). */
  set: Partial<TicketClocks>;
  stopped: StoppedClock[];
}

/**
 * How a message at `now` moves an open ticket's clocks. A public reply stops the first-response
 * and next-reply clocks and (with `pause_while_waiting`, unless it closes the ticket, and the
 * resolution clock neither breached nor paused) pauses the resolution clock, keeping the business
 * time left; a customer message restarts a paused resolution clock with what was left and starts a
 * next-reply clock when none runs. Notes are not events here; a close resumes a paused clock
 * through `clocksAtClose`.
 * `ticketCalendar` is the calendar the ticket's resolution clock counts with.
 */
export function clocksAfterMessage(
  ticket: TicketClocks & { priority: Priority; first_response_at: number | null; first_response_breached_at: number | null },
  event: ClockEvent,
  now: number,
  settings: Settings,
  ticketCalendar: SlaCalendar,
  current: ClockCalendar,
): ClockChange {
  const set: Partial<TicketClocks> = {};
  const stopped: StoppedClock[] = [];
  if (event !== 'customer_message') {
    if (ticket.first_response_at === null && ticket.first_response_due_at !== null) {
      stopped.push({ metric: 'first_response', met: now <= ticket.first_response_due_at, recorded: ticket.first_response_breached_at !== null });
    }
    if (ticket.next_reply_due_at !== null) {
      stopped.push({ metric: 'next_reply', met: now <= ticket.next_reply_due_at, recorded: ticket.next_reply_breached_at !== null });
      Object.assign(set, { next_reply_started_at: null, next_reply_due_at: null, next_reply_warn_at: null, next_reply_warned_at: null, next_reply_breached_at: null });
    }
    // A clock with no due instant (beyond its calendar's ten years) has no time left to keep: it stays
    // as it is (measuring the time up to PAUSED_DUE_AT would walk 270,000 years of the calendar).
    const due = knownDueAt(ticket.sla_due_at);
    const running = ticket.sla_paused_at === null && ticket.sla_breached_at === null && due !== null && now <= due;
    if (event === 'public_reply' && settings.pauseWhileWaiting && running) {
      const warnPending = ticket.sla_warn_at !== null && ticket.sla_warned_at === null;
      Object.assign(set, {
        sla_paused_at: now,
        sla_remaining_ms: businessTimeBetween(ticketCalendar, now, due),
        sla_due_at: PAUSED_DUE_AT,
        // A warning still to come waits with the clock; one already given keeps its instant (the
        // monitor never looks at it again), so a reply then a close leaves the ticket as reply and
        // close does (§9: one transaction, the same result).
        ...(warnPending
          ? { sla_warn_remaining_ms: businessTimeBetween(ticketCalendar, now, Math.max(now, ticket.sla_warn_at!)), sla_warn_at: null }
          : { sla_warn_remaining_ms: null }),
      });
    }
    return { set, stopped };
  }
  Object.assign(set, resumed(ticket, now, ticketCalendar));
  const target = settings.nextReply[ticket.priority];
  if (target !== null && ticket.next_reply_due_at === null) {
    const clock = clockFrom(current.calendar, now, target, settings.warnAtPercent);
    Object.assign(set, { next_reply_started_at: now, next_reply_due_at: clock.due, next_reply_warn_at: clock.warn, next_reply_warned_at: null, next_reply_breached_at: null });
  }
  return { set, stopped };
}

/**
 * The due instant of a paused resolution clock started again at `start` with the business time it
 * had left (`remainingMs`); nothing left (paused at its due instant): due at `start`, so a close
 * then still meets it. At the pause's own instant it is the deadline the clock had when it paused
 * (what the staffing forecast replays, which does not replay pauses).
 */
export function dueOnResume(start: number, remainingMs: number | null, calendar: SlaCalendar): number {
  const remaining = remainingMs ?? 0;
  return remaining > 0 ? dueAfter(calendar, start, remaining) : start;
}

/**
 * A paused resolution clock started again at `now` with the business time it had left; nothing when
 * running. The customer's message and a close do this, and so does turning `pause_while_waiting` off.
 */
export function resumed(ticket: TicketClocks, now: number, calendar: SlaCalendar): Partial<TicketClocks> {
  if (ticket.sla_paused_at === null) return {};
  const warnRemaining = ticket.sla_warn_remaining_ms;
  const due = dueOnResume(now, ticket.sla_remaining_ms, calendar);
  return {
    sla_paused_at: null,
    sla_remaining_ms: null,
    sla_warn_remaining_ms: null,
    sla_due_at: due,
    // No warning waited with the clock: none configured, or given already (its instant kept).
    ...(warnRemaining === null ? {} : { sla_warn_at: warnFor(due, () => (warnRemaining > 0 ? dueAfter(calendar, now, warnRemaining) : now)) }),
  };
}

/**
 * The clock columns a close at `now` sets: a paused resolution clock is started again first (the
 * time it waited on the customer does not count), so a ticket closed while waiting on the customer
 * is closed in time exactly when it had time left.
 */
export function clocksAtClose(ticket: TicketClocks, now: number, calendar: SlaCalendar): Partial<TicketClocks> {
  return resumed(ticket, now, calendar);
}
