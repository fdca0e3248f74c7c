/**
 * The settings an admin tunes (§1 settings form, §3, §4), and their validation. Pure.
 */
import { invalidInput } from './errors.js';
import { QUEUE_ORDERS, type QueueOrder } from './routing.js';
import { DEFAULT_SLA, parseDuration, type SlaLimits } from './sla.js';
import { parsePriority, type Priority } from './tickets.js';

export interface Settings {
  sla: SlaLimits;
  /** Capacity of agents without their own. */
  defaultCapacity: number;
  queueOrder: QueueOrder;
  /** R5: a leaving agent's open tickets go back to the queue. */
  releaseOnLogout: boolean;
  /** Priority of tickets created from mail (§10 rule 6). */
  emailPriority: Priority;
}

export const DEFAULT_SETTINGS: Settings = {
  sla: DEFAULT_SLA,
  defaultCapacity: 5,
  queueOrder: 'oldest',
  releaseOnLogout: false,
  emailPriority: 'medium',
};

/** Largest capacity accepted anywhere; a typo such as 50000 would otherwise disable the queue. */
export const MAX_CAPACITY = 1000;

/** A whole number 1..MAX_CAPACITY from user input, or null. */
export function parseCapacity(raw: unknown): number | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const text = String(raw).trim();
  if (!/^\d{1,4}$/.test(text)) return null;
  const value = Number(text);
  return value >= 1 && value <= MAX_CAPACITY ? value : null;
}

/** Validates the settings form (durations such as `45s`, `4m`, `1h30m`); throws `invalid_input`. */
export function validateSettings(raw: Record<string, unknown>): Settings {
  const fields: Record<string, string> = {};
  const duration = (key: string): number => {
    const value = typeof raw[key] === 'string' ? parseDuration(raw[key] as string) : null;
    if (value === null) fields[key] = 'Enter a duration such as 45s, 4m, 1h or 1h30m.';
    else if (value > 365 * 86_400) fields[key] = 'At most one year.';
    return value ?? 0;
  };
  const sla = { high: duration('sla_high'), medium: duration('sla_medium'), low: duration('sla_low') };
  const defaultCapacity = parseCapacity(raw.default_capacity);
  if (defaultCapacity === null) fields.default_capacity = `Enter a whole number from 1 to ${MAX_CAPACITY}.`;
  const order = typeof raw.queue_order === 'string' ? raw.queue_order.trim().toLowerCase() : '';
  if (!(QUEUE_ORDERS as readonly string[]).includes(order)) fields.queue_order = 'Choose oldest or deadline.';
  // Absent (a form or script from before the email channel): the default.
  const emailPriority = raw.email_priority === undefined ? DEFAULT_SETTINGS.emailPriority : parsePriority(raw.email_priority);
  if (!emailPriority) fields.email_priority = 'Choose a priority: high, medium or low.';
  if (Object.keys(fields).length > 0) throw invalidInput(fields);
  const checkbox = typeof raw.release_on_logout === 'string' ? raw.release_on_logout.trim().toLowerCase() : raw.release_on_logout;
  return {
    sla,
    defaultCapacity: defaultCapacity!,
    queueOrder: order as QueueOrder,
    releaseOnLogout: checkbox === 'on' || checkbox === 'true' || checkbox === '1' || checkbox === true,
    emailPriority: emailPriority!,
  };
}
