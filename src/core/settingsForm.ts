/**
 * The settings as the settings form shows them, and a posted form back into what validateSettings
 * reads (§1, §11). Pure.
 */
import { ALWAYS_OPEN } from './calendar.js';
import { labelled } from './fieldErrors.js';
import { canonicalTexts, type EditForm } from './formMerge.js';
import { checkSettings, type Settings, SETTINGS_LABELS, type SlaTargets } from './settings.js';
import { formatDuration } from './sla.js';
import { SLA_METRICS, type SlaMetric } from './slaClocks.js';
import { PRIORITIES, type Priority } from './tickets.js';

/** The form's field for a target: `sla_high` (resolution, its name from before §11), `first_response_high`, `next_reply_high`. */
export function targetField(metric: SlaMetric, priority: Priority): string {
  return metric === 'resolution' ? `sla_${priority}` : `${metric}_${priority}`;
}

/** A target of the settings in seconds; null: none. */
export function targetOf(settings: SlaTargets, metric: SlaMetric, priority: Priority): number | null {
  if (metric === 'resolution') return settings.sla[priority];
  return (metric === 'first_response' ? settings.firstResponse : settings.nextReply)[priority];
}

/** Every field of the settings form, targets first (per priority: resolution, first response, next reply). */
export const SETTINGS_FORM_FIELDS: readonly string[] = [
  ...PRIORITIES.flatMap((priority) => SLA_METRICS.map((metric) => targetField(metric, priority))),
  'calendar',
  'pause_while_waiting',
  'warn_at_percent',
  'default_capacity',
  'queue_order',
  'release_on_logout',
  'email_priority',
];

/** The settings as the form shows them: durations such as `1h30m` (empty: no target), `24/7` or a calendar id, `on` for a ticked box. */
export function settingsFormValues(settings: Settings): Record<string, string> {
  const values: Record<string, string> = {};
  for (const priority of PRIORITIES) {
    for (const metric of SLA_METRICS) {
      const seconds = targetOf(settings, metric, priority);
      values[targetField(metric, priority)] = seconds === null ? '' : formatDuration(seconds);
    }
  }
  return {
    ...values,
    calendar: settings.calendarId === null ? ALWAYS_OPEN : String(settings.calendarId),
    pause_while_waiting: settings.pauseWhileWaiting ? 'on' : '',
    warn_at_percent: settings.warnAtPercent === null ? '' : String(settings.warnAtPercent),
    default_capacity: String(settings.defaultCapacity),
    queue_order: settings.queueOrder,
    release_on_logout: settings.releaseOnLogout ? 'on' : '',
    email_priority: settings.emailPriority,
  };
}

/**
 * Fields a form or script from before them may leave out: absent, they keep their stored value
 * (present and empty, a target is cleared and warnings turn off). The fields of §1 keep their
 * rules: the durations and capacity are required, and an unticked release_on_logout is absent, as
 * every unticked checkbox is.
 */
export const KEPT_WHEN_ABSENT: readonly string[] = [
  ...PRIORITIES.flatMap((priority) => [targetField('first_response', priority), targetField('next_reply', priority)]),
  'calendar',
  'pause_while_waiting',
  'warn_at_percent',
  'email_priority',
];

/**
 * A posted settings form over the stored settings, as validateSettings reads it: each field of
 * KEPT_WHEN_ABSENT the form lacks keeps its stored value. The page sends a hidden
 * `pause_while_waiting=off` before that checkbox, so that an unticked box is told apart from a
 * form without it; ticked, both values arrive and the last one (the box) counts.
 */
export function settingsFormInput(body: Record<string, unknown>, stored: Settings): Record<string, unknown> {
  const storedValues = settingsFormValues(stored);
  const input: Record<string, unknown> = { ...body };
  for (const name of KEPT_WHEN_ABSENT) if (input[name] === undefined) input[name] = storedValues[name];
  if (Array.isArray(input.pause_while_waiting)) input.pause_while_waiting = input.pause_while_waiting.at(-1);
  return input;
}

/** The settings form's boxes: absent from a post when unticked. */
const SETTINGS_BOXES = ['pause_while_waiting', 'release_on_logout'];

/** The boxes' labels on the settings page. */
const BOX_LABELS = { pause_while_waiting: 'Pause the resolution clock while waiting on the customer', release_on_logout: 'Release tickets when an agent leaves' };

/** What a box may say: ticked (`on`; scripts: true, 1) or unticked (`off`, the pause box's hidden companion, or empty; scripts: false, 0). */
const BOX_TEXTS = ['on', 'true', '1', 'off', 'false', '0', ''];

/**
 * The boxes of a posted settings form that say neither ticked nor unticked (`yes`, `maybe`), each
 * with its message, labelled. Such a value was read as unticked, which turned the setting off.
 */
export function settingsBoxErrors(body: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const name of SETTINGS_BOXES) {
    const sent = [body[name]].flat().filter((value) => value !== undefined);
    if (sent.some((value) => typeof value !== 'string' || !BOX_TEXTS.includes(value.trim().toLowerCase()))) errors[name] = 'Tick the box or leave it unticked (on or off).';
  }
  return labelled(errors, BOX_LABELS);
}

/**
 * A posted settings form as its texts (core/formMerge.ts): a box `on` or empty (the pause box's
 * hidden companion `off` is empty, and when the box is ticked too its `on` counts); a field the
 * post lacks is left out, except a box, which is unticked.
 */
export function settingsFormTexts(body: Record<string, unknown>): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const name of SETTINGS_FORM_FIELDS) {
    const raw = body[name];
    const text = Array.isArray(raw) ? raw.at(-1) : raw;
    if (SETTINGS_BOXES.includes(name)) texts[name] = text === 'on' ? 'on' : '';
    else if (typeof text === 'string') texts[name] = text;
  }
  return texts;
}

/** Settings texts as the form shows them once read (`90m` → `1h30m`, `24/7` for an empty calendar), for comparing. */
export function canonicalSettingsTexts(texts: Record<string, string>): Record<string, string> {
  return canonicalTexts(texts, checkSettings, settingsFormValues);
}

/** The settings form in a merge (core/formMerge.ts); `calendarName` gives a calendar's name for its id. */
export function settingsEditForm(calendarName: (id: number) => string | undefined): EditForm {
  return {
    fields: SETTINGS_FORM_FIELDS,
    textsOf: settingsFormTexts,
    canonical: canonicalSettingsTexts,
    wording: {
      what: 'the settings',
      labels: { ...SETTINGS_LABELS, ...BOX_LABELS },
      describe: (field, text) => {
        if (SETTINGS_BOXES.includes(field)) return text === 'on' ? 'on' : 'off';
        if (field === 'calendar' && text !== ALWAYS_OPEN) return calendarName(Number(text)) ?? text;
        return text;
      },
    },
  };
}
