import { deskZone } from '../core/mailTime.js';
import type { MoveCause } from '../core/routing.js';
import type { ClockCalendar } from '../core/slaClocks.js';
import { referenceOf } from '../core/tickets.js';
import type { Db, DbHandle } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { customerStatusPath, staffTicketPath } from '../http/links.js';
import { type MailKind, renderEmail, type TicketMailData, type TicketMailKind } from '../mail/templates/index.js';
import { settingsCalendar } from '../repositories/calendarVersions.js';
import { enqueueEmail } from '../repositories/outbox.js';
import { findUserById } from '../repositories/users.js';
import { ratingUrls } from './csat.js';
import { ccOfTicketEmail } from './ticketCcs.js';

/** The customer's status page for a ticket. */
export function statusUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${customerStatusPath(token)}`;
}

/** Where emails are written from: the base of their links and the desk's time zone (core/mailTime.ts). */
export interface MailSite {
  publicUrl: string;
  timeZone: string;
}

/**
 * The site of the emails a transaction writes: the zone read from the settings' SLA calendar. The
 * one place emails learn their zone, but for routing runs, which read the same settings as they
 * start (mailSiteOfRun).
 */
export async function mailSite(handle: DbHandle, db: Db, publicUrl: string): Promise<MailSite> {
  return { publicUrl, timeZone: deskZone(await settingsCalendar(handle, db)) };
}

/** The site of a routing run's emails: its calendar is the settings' SLA calendar, read as it began. */
export function mailSiteOfRun(run: { publicUrl: string; clock: ClockCalendar }): MailSite {
  return { publicUrl: run.publicUrl, timeZone: deskZone(run.clock.calendar) };
}

/** A user's display name: from `known` (a routing run's agents) when there, else read. */
async function displayName(db: Db, userId: number | null, known: ReadonlyMap<number, string>): Promise<string | null> {
  if (userId === null) return null;
  return known.get(userId) ?? (await findUserById(db, userId))?.display_name ?? null;
}

/** Everything a template may mention about a ticket, given its agents' display names. */
export function mailDataOf(ticket: TicketRow, site: MailSite, agentName: string | null, previousAgentName: string | null = null): TicketMailData {
  const { publicUrl, timeZone } = site;
  return {
    reference: referenceOf(ticket.id),
    customerName: ticket.customer_name,
    title: ticket.title,
    priority: ticket.priority,
    slaDueAt: ticket.sla_due_at,
    slaPaused: ticket.sla_paused_at !== null,
    timeZone,
    agentName,
    previousAgentName,
    statusUrl: statusUrl(publicUrl, ticket.token),
    followUpOf: ticket.follow_up_of === null ? null : referenceOf(ticket.follow_up_of),
    staffTicketUrl: `${publicUrl}${staffTicketPath(ticket.id)}`,
    ratingUrls: ratingUrls(publicUrl, ticket),
  };
}

/**
 * Everything a template may mention about a ticket, with agents' display names taken from
 * `knownNames` or looked up.
 */
export async function ticketMailData(
  db: Db,
  ticket: TicketRow,
  site: MailSite,
  previousAgentId: number | null = null,
  knownNames: ReadonlyMap<number, string> = new Map(),
): Promise<TicketMailData> {
  return mailDataOf(ticket, site, await displayName(db, ticket.agent_id, knownNames), await displayName(db, previousAgentId, knownNames));
}

/** What a customer email says beyond the ticket itself. */
export interface MailAbout {
  /** Who held the ticket before (the reassigned email). */
  previousAgentId?: number | null;
  /** Display names already read (a routing run's agents). */
  knownNames?: ReadonlyMap<number, string>;
  /** Who closed it (the closed email). */
  closedById?: number | null;
  /** Why it changed agent (the reassigned email). */
  moveCause?: MoveCause;
}

/**
 * Enqueues the customer email of §5 for a ticket, in the caller's transaction. `ticket` must show
 * the state after the change (its new agent).
 */
export async function notifyCustomer(
  db: Db,
  kind: TicketMailKind & Exclude<MailKind, 'sla_breached'>,
  ticket: TicketRow,
  site: MailSite,
  now: number,
  about: MailAbout = {},
): Promise<void> {
  const { previousAgentId = null, knownNames = new Map(), closedById = null, moveCause } = about;
  const data: TicketMailData = {
    ...(await ticketMailData(db, ticket, site, previousAgentId, knownNames)),
    closedBy: await displayName(db, closedById, knownNames),
    ...(moveCause ? { moveCause } : {}),
    writtenAt: now,
  };
  await enqueueEmail(db, { ticketId: ticket.id, kind, to: ticket.customer_email, toName: ticket.customer_name, cc: await ccOfTicketEmail(db, kind, ticket), content: renderEmail(kind, data), now });
}
