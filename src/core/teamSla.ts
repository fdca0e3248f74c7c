/**
 * A team's own SLA (§12: "an optional calendar and targets that override the settings"), as pure
 * decisions: how it is stored, shown, checked, and which targets and calendar a ticket's clocks
 * start with.
 *
 * Our decisions (README, Teams): a team either counts with the desk's targets (the settings') or
 * has its own full set of nine (resolution required for each priority; first response and next
 * reply optional, as in the settings); and with the desk's calendar, 24/7, or a calendar of its
 * own. The desk's targets and calendar apply as they are when a clock starts, so a team that keeps
 * them follows every later change of the settings. `pause_while_waiting` and `warn_at_percent`
 * stay the desk's. Like any change of targets or calendar, a team's applies to clocks started
 * after it (§11): a ticket's team is set at its creation and never changes.
 */
import { ALWAYS_OPEN } from './calendar.js';
import { Checked } from './checked.js';
import type { FieldLabels } from './fieldErrors.js';
import { checkTargets, type OptionalTargets, type Settings, type SlaTargets } from './settings.js';
import { API_LABELS, apiNameOf, targetsJson, type TargetsJson } from './settingsApi.js';
import { targetField } from './settingsForm.js';
import { formatDuration } from './sla.js';
import { SLA_METRICS, type ClockCalendar } from './slaClocks.js';
import { PRIORITIES, type Priority } from './tickets.js';

/** A team's SLA calendar: the desk's (the settings', whatever it is when a clock starts), 24/7 (null) or a calendar's id. */
export type TeamCalendar = 'desk' | number | null;

export interface TeamSla {
  calendar: TeamCalendar;
  /** null: the desk's targets. */
  targets: SlaTargets | null;
}

export const DESK_SLA: TeamSla = { calendar: 'desk', targets: null };

/** The team form's and the API's field names and labels (`calendar`, `sla.high.resolution`, …). */
export const TEAM_SLA_LABELS: FieldLabels = { ...Object.fromEntries(Object.entries(API_LABELS).filter(([name]) => name.startsWith('sla.'))), calendar: 'SLA calendar', sla: 'SLA targets' };

/** Every target's field, per priority: resolution, first response, next reply (`sla.high.resolution`, …). */
export const TEAM_TARGET_FIELDS: readonly string[] = PRIORITIES.flatMap((priority) => SLA_METRICS.map((metric) => apiNameOf(targetField(metric, priority))));

// ---------------------------------------------------------------------------------------------
// Stored: teams.own_calendar and calendar_id; teams.sla_targets as JSON of seconds.

export function teamCalendarOf(row: { own_calendar: number; calendar_id: number | null }): TeamCalendar {
  return Number(row.own_calendar) === 1 ? row.calendar_id : 'desk';
}

export function calendarColumns(calendar: TeamCalendar): { own_calendar: number; calendar_id: number | null } {
  return calendar === 'desk' ? { own_calendar: 0, calendar_id: null } : { own_calendar: 1, calendar_id: calendar };
}

interface StoredTargets {
  resolution: Record<Priority, number>;
  first_response: OptionalTargets;
  next_reply: OptionalTargets;
}

export function targetsText(targets: SlaTargets | null): string | null {
  if (targets === null) return null;
  const stored: StoredTargets = { resolution: { ...targets.sla }, first_response: { ...targets.firstResponse }, next_reply: { ...targets.nextReply } };
  return JSON.stringify(stored);
}

export function targetsFromText(text: string | null | undefined): SlaTargets | null {
  if (text === null || text === undefined || text === '') return null;
  const stored = JSON.parse(text) as StoredTargets;
  return { sla: stored.resolution, firstResponse: stored.first_response, nextReply: stored.next_reply };
}

// ---------------------------------------------------------------------------------------------
// As the API shows them: `calendar` null (the desk's), `24/7` or an id; `sla` null or the settings' shape.

/** A team's own SLA as the API shows it (null: the desk's). */
export interface TeamSlaJson {
  calendar: number | typeof ALWAYS_OPEN | null;
  sla: Record<Priority, TargetsJson> | null;
}

export function teamCalendarJson(calendar: TeamCalendar): number | typeof ALWAYS_OPEN | null {
  return calendar === 'desk' ? null : (calendar ?? ALWAYS_OPEN);
}

export function teamTargetsJson(targets: SlaTargets | null): Record<Priority, TargetsJson> | null {
  return targets === null ? null : targetsJson(targets);
}

/** The team form's values of these fields from the API's shape: the calendar's choice (empty: the desk's) and each target's duration (all empty: the desk's). */
export function teamSlaFormValues(team: TeamSlaJson): Record<string, string> {
  const values: Record<string, string> = { calendar: team.calendar === null ? '' : String(team.calendar) };
  for (const priority of PRIORITIES) {
    for (const metric of SLA_METRICS) values[apiNameOf(targetField(metric, priority))] = team.sla?.[priority][metric] ?? '';
  }
  return values;
}

/** The team form's target fields as the API's `sla`: null when all nine are empty (the desk's targets). */
export function teamTargetsFromForm(body: Record<string, unknown>): Record<string, Record<string, unknown>> | null {
  const text = (field: string) => (typeof body[field] === 'string' ? (body[field] as string).trim() : '');
  if (TEAM_TARGET_FIELDS.every((field) => text(field) === '')) return null;
  return Object.fromEntries(PRIORITIES.map((priority) => [priority, Object.fromEntries(SLA_METRICS.map((metric) => [metric, text(apiNameOf(targetField(metric, priority)))]))]));
}

// ---------------------------------------------------------------------------------------------
// Checked, every problem at once (unlabelled; the caller labels them with TEAM_SLA_LABELS).

const CHOOSE_TEAM_CALENDAR = `Choose the desk's calendar, ${ALWAYS_OPEN} or one of the calendars.`;

/** `calendar`: absent, null or empty → the desk's; `24/7`; a calendar id (whether it exists is the service's question). */
function checkTeamCalendar(raw: unknown, fields: Record<string, string>): TeamCalendar {
  if (raw === undefined || raw === null) return 'desk';
  const text = String(raw).trim();
  if (text === '' || text.toLowerCase() === 'desk') return 'desk';
  if (text === ALWAYS_OPEN) return null;
  if (/^\d{1,9}$/.test(text) && Number(text) > 0) return Number(text);
  fields.calendar = CHOOSE_TEAM_CALENDAR;
  return 'desk';
}

/**
 * `sla`: absent or null → the desk's targets; else an object of the three priorities, each with
 * `resolution` (required) and optionally `first_response` and `next_reply`: the settings' rules.
 */
function checkTeamTargets(raw: unknown, fields: Record<string, string>): SlaTargets | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    fields.sla = 'Give the targets per priority (high, medium, low), or null for the desk’s.';
    return null;
  }
  const byPriority = raw as Record<string, unknown>;
  const valueOf = (field: string) => {
    const [priority, metric] = apiNameOf(field).split('.').slice(1) as [string, string];
    const ofPriority = byPriority[priority];
    return ofPriority !== null && typeof ofPriority === 'object' ? (ofPriority as Record<string, unknown>)[metric] : undefined;
  };
  const problems: Record<string, string> = {};
  const targets = checkTargets(valueOf, problems);
  for (const [field, message] of Object.entries(problems)) {
    const missing = field.startsWith('sla_') && (valueOf(field) ?? '').toString().trim() === '';
    fields[apiNameOf(field)] = missing ? 'Required with targets of the team’s own (such as 30m, 4h or 1d); or leave every target empty for the desk’s.' : message;
  }
  return targets;
}

export function checkTeamSla(raw: { calendar?: unknown; sla?: unknown }): Checked<TeamSla> {
  const fields: Record<string, string> = {};
  const calendar = checkTeamCalendar(raw.calendar, fields);
  const targets = checkTeamTargets(raw.sla, fields);
  return new Checked({ calendar, targets }, fields);
}

// ---------------------------------------------------------------------------------------------
// The clocks.

/** The settings a ticket's clocks start with: the desk's, with the team's own targets over them when it has some. */
export function clockSettingsOf(settings: Settings, targets: SlaTargets | null): Settings {
  return targets === null ? settings : { ...settings, sla: targets.sla, firstResponse: targets.firstResponse, nextReply: targets.nextReply };
}

/**
 * What a team's tickets' clocks count with, as routing carries it: its targets (null: the
 * desk's) and its calendar resolved to the version in force (null: the desk's).
 */
export interface TeamClock {
  targets: SlaTargets | null;
  clock: ClockCalendar | null;
}

/** The settings and calendar a ticket of a team with `team` (undefined: nothing of its own) starts its clocks with. */
export function ticketClockOf(settings: Settings, deskClock: ClockCalendar, team: TeamClock | undefined): { settings: Settings; clock: ClockCalendar } {
  return { settings: clockSettingsOf(settings, team?.targets ?? null), clock: team?.clock ?? deskClock };
}

/** A resolution target per priority in one line: "high 30m · medium 2h · low 1d". */
export function perPriorityInWords(resolution: (priority: Priority) => string): string {
  return PRIORITIES.map((p) => `${p} ${resolution(p)}`).join(' · ');
}

/** The desk's targets in words, for a team's page (resolution). */
export function resolutionTargetsInWords(targets: SlaTargets): string {
  return perPriorityInWords((p) => formatDuration(targets.sla[p]));
}
