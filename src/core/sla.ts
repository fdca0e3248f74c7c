/**
 * SLA arithmetic (§4) and the duration format admins type (`45s`, `4m`, `1h30m`). Pure.
 * Times are epoch milliseconds throughout the system.
 */
import type { Priority } from './tickets.js';

export interface SlaLimits {
  /** Seconds a ticket of each priority may stay open. */
  high: number;
  medium: number;
  low: number;
}

export const DEFAULT_SLA: SlaLimits = { high: 60, medium: 240, low: 3600 };

/** The deadline fixed at creation: created_at + the priority's limit. */
export function slaDueAt(createdAt: number, priority: Priority, limits: SlaLimits): number {
  return createdAt + limits[priority] * 1000;
}

/**
 * Breached: open past the deadline, or closed after it (§4); at the deadline exactly, not. The
 * rule's SQL form, for queries, is repositories/breach.ts (tested to agree with this one).
 */
export function isBreached(ticket: { slaDueAt: number; closedAt: number | null }, now: number): boolean {
  return (ticket.closedAt ?? now) > ticket.slaDueAt;
}

/** Whom an SLA alert (§4, §11) is written to: the agent holding the ticket, or the team (the active admins). */
export type AlertAddressee = 'holder' | 'team';

/**
 * Who hears of a ticket's SLA warning or breach: the agent holding it, when it has an email
 * address; else the team (the active admins: a pending ticket, or an agent without an address,
 * so somebody hears of it).
 */
export function alertAddressee(holder: { email: string } | null | undefined): AlertAddressee {
  return holder && holder.email.trim() !== '' ? 'holder' : 'team';
}

/** A ticket whose SLA is shorter than this shows its times to the second. */
export const SECONDS_BELOW_MS = 3_600_000;

/**
 * Whether a ticket's times (created, due, breached, closed, its timeline) show seconds: when its
 * resolution window, creation to SLA deadline as the ticket lives it, is under an hour — a minute
 * is then a large share of the time allowed (a 1-minute SLA would read "due 09:00" at 09:00).
 * Longer windows keep minutes. A paused clock has no deadline yet: minutes.
 */
export function showsSeconds(createdAt: number, slaDueAt: number): boolean {
  return slaDueAt - createdAt < SECONDS_BELOW_MS;
}

/**
 * What a customer reads beside a resolution target that has passed on an open request (issue 23:
 * never "SLA" or "overdue"): the status page, and the emails written after it passed.
 */
export const LATE_TARGET = 'it is taking longer than we aimed for; we are still on it.';

/** showsSeconds of a ticket's row (its creation and its SLA deadline). */
export const ticketShowsSeconds = (t: { created_at: number; sla_due_at: number }): boolean => showsSeconds(t.created_at, t.sla_due_at);

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1 };

/**
 * Parses `45s`, `4m`, `1h`, `1h30m`, `2d` (units in descending order, each once) into whole
 * seconds; a bare number means seconds. Returns null for anything else or for zero.
 */
export function parseDuration(raw: string): number | null {
  const value = raw.trim().toLowerCase().replace(/\s+/g, '');
  if (/^\d{1,9}$/.test(value)) return Number(value) > 0 ? Number(value) : null;
  const match = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,9})s)?$/.exec(value);
  if (!match || value === '') return null;
  const [, d, h, m, s] = match;
  const seconds = Number(d ?? 0) * UNIT_SECONDS.d! + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  return seconds > 0 ? seconds : null;
}

/** Formats whole seconds back into the shortest admin-style duration: 90 → `1m30s`. */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.round(totalSeconds));
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return out;
}

/** A human phrase for a span of milliseconds: `3 min`, `1 h 5 min`, `45 s`. */
export function humanSpan(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** The breaches a ticket's row records (null: not breached). */
export interface RecordedBreaches {
  sla_breached_at: number | null;
  first_response_breached_at: number | null;
  next_reply_breached_at: number | null;
}

/**
 * The instant of an action on a ticket (a reply, a close) read once its row is locked: the clock,
 * but never before `earliest` (the instant of the run it is part of) nor before a breach the row
 * already records. The lock orders the action after the monitor's commit, so the breach happened
 * before it; a clock behind that (another host's, a run that read its clock before waiting for the
 * row) would stamp a close "in time" that the event and the email had already called late.
 */
export function instantAfterLock(clockNow: number, row: RecordedBreaches, earliest = -Infinity): number {
  const marks = [row.sla_breached_at, row.first_response_breached_at, row.next_reply_breached_at].filter((m): m is number => m !== null).map(Number);
  return Math.max(clockNow, earliest, ...marks);
}
