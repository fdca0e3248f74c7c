/**
 * The settings as the JSON API shows and changes them (§11 `GET`/`PATCH /api/v1/settings`). A
 * PATCH becomes the settings form's input (settingsForm.ts), so validateSettings stays the one
 * definition of the rules; its errors come back under the API's own names. Pure.
 */
import { ALWAYS_OPEN } from './calendar.js';
import type { QueueOrder } from './routing.js';
import { Checked } from './checked.js';
import { type FieldLabels, labelled } from './fieldErrors.js';
import { checkSettings, type Settings, SETTINGS_LABELS, type SlaTargets } from './settings.js';
import { settingsFormValues, SETTINGS_FORM_FIELDS, targetField, targetOf } from './settingsForm.js';
import { formatDuration } from './sla.js';
import { SLA_METRICS, type SlaMetric } from './slaClocks.js';
import { PRIORITIES, type Priority } from './tickets.js';

/** A priority's targets: durations such as `1h30m`; null: no target. */
export type TargetsJson = { resolution: string; first_response: string | null; next_reply: string | null };

export interface SettingsJson {
  sla: Record<Priority, TargetsJson>;
  /** A calendar id, or `24/7`. */
  calendar: number | typeof ALWAYS_OPEN;
  pause_while_waiting: boolean;
  warn_at_percent: number | null;
  default_capacity: number;
  queue_order: QueueOrder;
  release_on_logout: boolean;
  email_priority: Priority;
}

/** A PATCH body: any of the keys, at any depth of `sla`; values as the client sent them (their types checked, their rules not yet). */
export interface SettingsPatch {
  sla?: Partial<Record<Priority, Partial<Record<SlaMetric, string | null>>>>;
  calendar?: number | string;
  pause_while_waiting?: boolean;
  warn_at_percent?: number | null;
  default_capacity?: number;
  queue_order?: string;
  release_on_logout?: boolean;
  email_priority?: string;
}

/** The API's name of each form field: `sla_high` → `sla.high.resolution`, `first_response_low` → `sla.low.first_response`; the others are the same. */
const API_NAMES: ReadonlyMap<string, string> = new Map(PRIORITIES.flatMap((priority) => SLA_METRICS.map((metric) => [targetField(metric, priority), `sla.${priority}.${metric}`])));

export function apiNameOf(field: string): string {
  return API_NAMES.get(field) ?? field;
}

/** validateSettings' messages keyed by the API's names. */
export function apiFieldErrors(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([field, message]) => [apiNameOf(field), message]));
}

/** The nine targets as the API shows them: per priority, durations such as `1h30m` (null: none). */
export function targetsJson(targets: SlaTargets): Record<Priority, TargetsJson> {
  const duration = (seconds: number | null) => (seconds === null ? null : formatDuration(seconds));
  const ofPriority = (priority: Priority): TargetsJson => ({
    resolution: formatDuration(targets.sla[priority]),
    first_response: duration(targetOf(targets, 'first_response', priority)),
    next_reply: duration(targetOf(targets, 'next_reply', priority)),
  });
  return { high: ofPriority('high'), medium: ofPriority('medium'), low: ofPriority('low') };
}

export function settingsJson(settings: Settings): SettingsJson {
  return {
    sla: targetsJson(settings),
    calendar: settings.calendarId ?? ALWAYS_OPEN,
    pause_while_waiting: settings.pauseWhileWaiting,
    warn_at_percent: settings.warnAtPercent,
    default_capacity: settings.defaultCapacity,
    queue_order: settings.queueOrder,
    release_on_logout: settings.releaseOnLogout,
    email_priority: settings.emailPriority,
  };
}

/** The value at a dotted path of the patch; undefined where the patch does not go. */
function valueAt(patch: SettingsPatch, path: string): unknown {
  let value: unknown = patch;
  for (const key of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/**
 * The stored settings with the patch's keys replacing theirs, as the settings form's input
 * (validateSettings reads JSON values too: null for no target, true/false, numbers).
 */
export function patchedSettingsInput(stored: Settings, patch: SettingsPatch): Record<string, unknown> {
  const input: Record<string, unknown> = settingsFormValues(stored);
  for (const field of SETTINGS_FORM_FIELDS) {
    const value = valueAt(patch, apiNameOf(field));
    if (value !== undefined) input[field] = value;
  }
  return input;
}

/** The settings form's labels under the API's names (`sla.high.resolution` → "Resolution (high)"). */
export const API_LABELS: FieldLabels = Object.fromEntries(Object.entries(SETTINGS_LABELS).map(([field, label]) => [apiNameOf(field), label]));

/**
 * A PATCH checked whole: the stored settings with the patch over them through the settings form's
 * rules, their messages under the API's names, beside `typeErrors` (the keys the schema refused,
 * by their API names, left out of `patch`): every problem of the body at once. The calendar's
 * existence is the service's question, under the same name (`calendar`) in both.
 */
export function checkSettingsPatch(stored: Settings, patch: SettingsPatch, typeErrors: Record<string, string> = {}): Checked<Settings> {
  const checked = checkSettings(patchedSettingsInput(stored, patch), stored);
  return new Checked(checked.value, apiFieldErrors(checked.fields)).with(labelled(typeErrors, API_LABELS));
}
