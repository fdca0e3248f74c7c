/**
 * The settings an admin tunes (§1 settings form, §3, §4), and their validation. Pure.
 */
import { auditChanges } from './audit.js';
import { ALWAYS_OPEN } from './calendar.js';
import { accepted, Checked } from './checked.js';
import { type FieldLabels, labelled } from './fieldErrors.js';
import { QUEUE_ORDERS, type QueueOrder } from './routing.js';
import { DEFAULT_SLA, formatDuration, parseDuration, type SlaLimits } from './sla.js';
import { parsePriority, PRIORITIES, type Priority } from './tickets.js';

/** An optional §11 target per priority, in seconds; null: none. */
export type OptionalTargets = Record<Priority, number | null>;

export const NO_TARGETS: OptionalTargets = { high: null, medium: null, low: null };

/** The largest warn_at_percent: a warning at 100 % would arrive with the breach. */
export const MAX_WARN_PERCENT = 99;

export interface Settings {
  /** The resolution target per priority (§4, §11). */
  sla: SlaLimits;
  /** §11: creation → the first public reply. */
  firstResponse: OptionalTargets;
  /** §11: a customer message → the next public reply. */
  nextReply: OptionalTargets;
  /** The SLA calendar's id; null: 24/7. */
  calendarId: number | null;
  /** The resolution clock stops while the ticket waits on the customer. */
  pauseWhileWaiting: boolean;
  /** Warn when this share of a target's time has passed; null: no warnings. */
  warnAtPercent: number | null;
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
  firstResponse: NO_TARGETS,
  nextReply: NO_TARGETS,
  calendarId: null,
  pauseWhileWaiting: false,
  warnAtPercent: null,
  defaultCapacity: 5,
  queueOrder: 'oldest',
  releaseOnLogout: false,
  emailPriority: 'medium',
};

/**
 * Whether a settings change changes anything (the same fields as its audit entry would list): a
 * change that does not writes neither the settings nor an audit entry (`PATCH {}`, a page saved as it was).
 */
export function settingsChanged(before: Settings, after: Settings): boolean {
  return auditChanges(before, after).length > 0;
}

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

/** True for a checked checkbox as forms and JSON send it. */
function isChecked(raw: unknown): boolean {
  const value = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  return value === 'on' || value === 'true' || value === '1' || value === true;
}

/** The calendar field's message when it names no calendar (also for an id no calendar has). */
export const CHOOSE_CALENDAR = `Choose ${ALWAYS_OPEN} or one of the calendars.`;

/** The calendar field: `24/7` (or empty) → null, else a calendar id; whether it exists is the service's question. */
export function parseCalendarChoice(raw: unknown): number | null | undefined {
  if (raw === undefined || raw === null) return null;
  const text = String(raw).trim();
  if (text === '' || text === ALWAYS_OPEN) return null;
  return /^\d{1,9}$/.test(text) && Number(text) > 0 ? Number(text) : undefined;
}

const METRIC_LABELS = { sla: 'Resolution', first_response: 'First response', next_reply: 'Next reply' } as const;

/**
 * The settings form's labels; a target's field is labelled by its metric inside its priority's
 * group, so its message names both: "Resolution (high): …".
 */
export const SETTINGS_LABELS: FieldLabels = {
  ...Object.fromEntries(
    Object.entries(METRIC_LABELS).flatMap(([metric, label]) => (['high', 'medium', 'low'] as const).map((priority) => [`${metric}_${priority}`, `${label} (${priority})`])),
  ),
  calendar: 'SLA calendar',
  warn_at_percent: "Warn at (% of a target's time)",
  default_capacity: 'Default capacity',
  queue_order: 'Queue order',
  email_priority: 'Priority of tickets from email',
};

/**
 * The first-response and next-reply targets longer than their priority's resolution target, as a
 * message per form field (`first_response_high`), unlabelled. Such a target can never come due
 * before the resolution deadline: a first response is counted from creation like resolution, and a
 * next reply from a customer's message, when the resolution clock has run (or, paused, kept) no
 * more than its whole target. Equal is allowed. Both count the same open time of the calendar.
 */
export function targetsPastResolution(targets: SlaTargets, stored?: SlaTargets): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const priority of PRIORITIES) {
    const resolution = targets.sla[priority];
    for (const [metric, target] of [['first_response', targets.firstResponse[priority]], ['next_reply', targets.nextReply[priority]]] as const) {
      // Given the stored settings, only a pair this save changes is judged: a desk that already has
      // such a target (saved before this rule) can still save anything else, a capacity say.
      const before = stored && (metric === 'first_response' ? stored.firstResponse : stored.nextReply)[priority];
      if (stored && before === target && stored.sla[priority] === resolution) continue;
      if (target !== null && target > resolution) {
        fields[`${metric}_${priority}`] = `Must not be longer than the resolution target (${formatDuration(resolution)}): shorten it, or lengthen Resolution (${priority}).`;
      }
    }
  }
  return fields;
}

/** The SLA targets of a desk or a team: resolution, first response and next reply per priority, in seconds. */
export type SlaTargets = Pick<Settings, 'sla' | 'firstResponse' | 'nextReply'>;

/**
 * A target's text as seconds: a duration such as `45s`, `4m` or `1h30m`, at most a year; an
 * optional one (first response, next reply) may be empty or null, meaning none.
 */
export function checkTargetDuration(raw: unknown, optional: boolean): { value: number | null } | { problem: string } {
  const text = typeof raw === 'string' ? raw.trim() : raw === undefined || raw === null ? '' : undefined;
  if (optional && text === '') return { value: null };
  const value = text === undefined ? null : parseDuration(text);
  if (value === null) return { problem: optional ? 'Enter a duration such as 45s, 4m, 1h or 1h30m, or leave it empty for none.' : 'Enter a duration such as 45s, 4m, 1h or 1h30m.' };
  return value > 365 * 86_400 ? { problem: 'At most one year.' } : { value };
}

/**
 * The nine targets of a form, each read from `valueOf(field)` by its settings-form name
 * (`sla_high`, `first_response_low`, …), with each field's problem (unlabelled) added to
 * `fields` under that name, the rule of targetsPastResolution included. A refused target reads 0
 * (resolution) or null.
 */
export function checkTargets(valueOf: (field: string) => unknown, fields: Record<string, string>, stored?: SlaTargets): SlaTargets {
  const duration = (key: string, optional: boolean): number | null => {
    const checked = checkTargetDuration(valueOf(key), optional);
    if ('problem' in checked) fields[key] = checked.problem;
    return 'value' in checked ? checked.value : null;
  };
  const sla = { high: duration('sla_high', false) ?? 0, medium: duration('sla_medium', false) ?? 0, low: duration('sla_low', false) ?? 0 };
  const optional = (metric: string): OptionalTargets => ({
    high: duration(`${metric}_high`, true),
    medium: duration(`${metric}_medium`, true),
    low: duration(`${metric}_low`, true),
  });
  const targets = { sla, firstResponse: optional('first_response'), nextReply: optional('next_reply') };
  // Checked against a resolution target only where both read well (a bad field has its own message).
  for (const [field, message] of Object.entries(targetsPastResolution(targets, stored))) {
    if (fields[field] === undefined && fields[`sla_${field.slice(field.lastIndexOf('_') + 1)}`] === undefined) fields[field] = message;
  }
  return targets;
}

/**
 * Reads the settings form (durations such as `45s`, `4m`, `1h30m`; §11 targets may be empty,
 * meaning none), naming every bad field at once (each message labelled); whether the calendar chosen exists is the
 * service's question. A field a form or script from before §11 leaves out takes its default, so an
 * older client never sets a target by accident.
 */
export function checkSettings(raw: Record<string, unknown>, stored?: Settings): Checked<Settings> {
  const fields: Record<string, string> = {};
  const { sla, firstResponse, nextReply } = checkTargets((field) => raw[field], fields, stored);
  const calendarId = parseCalendarChoice(raw.calendar);
  if (calendarId === undefined) fields.calendar = CHOOSE_CALENDAR;
  const warnText = raw.warn_at_percent === undefined || raw.warn_at_percent === null ? '' : String(raw.warn_at_percent).trim();
  const warnAtPercent = warnText === '' ? null : /^\d{1,2}$/.test(warnText) && Number(warnText) >= 1 ? Number(warnText) : undefined;
  if (warnAtPercent === undefined) fields.warn_at_percent = `Enter a whole number from 1 to ${MAX_WARN_PERCENT}, or leave it empty for no warnings.`;
  const defaultCapacity = parseCapacity(raw.default_capacity);
  if (defaultCapacity === null) fields.default_capacity = `Enter a whole number from 1 to ${MAX_CAPACITY}.`;
  const order = typeof raw.queue_order === 'string' ? raw.queue_order.trim().toLowerCase() : '';
  if (!(QUEUE_ORDERS as readonly string[]).includes(order)) fields.queue_order = 'Choose oldest or deadline.';
  // Absent (a form or script from before the email channel): the default.
  const emailPriority = raw.email_priority === undefined ? DEFAULT_SETTINGS.emailPriority : parsePriority(raw.email_priority);
  if (!emailPriority) fields.email_priority = 'Choose high, medium or low.';
  // A refused field holds its default as a stand-in.
  const settings: Settings = {
    sla,
    firstResponse,
    nextReply,
    calendarId: calendarId ?? null,
    pauseWhileWaiting: isChecked(raw.pause_while_waiting),
    warnAtPercent: warnAtPercent ?? null,
    defaultCapacity: defaultCapacity ?? DEFAULT_SETTINGS.defaultCapacity,
    queueOrder: fields.queue_order ? DEFAULT_SETTINGS.queueOrder : (order as QueueOrder),
    releaseOnLogout: isChecked(raw.release_on_logout),
    emailPriority: emailPriority || DEFAULT_SETTINGS.emailPriority,
  };
  return new Checked(settings, labelled(fields, SETTINGS_LABELS));
}

/** checkSettings' settings, or one invalid_input naming every bad field. */
export function validateSettings(raw: Record<string, unknown>): Settings {
  return accepted(checkSettings(raw), SETTINGS_LABELS);
}
