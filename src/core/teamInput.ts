/**
 * What an admin submits for teams, skills and topics (§12), checked without the database: names,
 * waits, the shape of lists. Whether a named team or skill exists is the service's check. Pure.
 */
import { accepted, Checked, nameKey } from './checked.js';
import type { FieldLabels } from './fieldErrors.js';
import { QUEUE_ORDERS, type QueueOrder } from './routing.js';
import { checkTeamSla, TEAM_SLA_LABELS, type TeamSla } from './teamSla.js';
import { trimInvisible } from './unicode.js';

export const TEAM_LABELS = { name: 'Name', overflow_team: 'Overflow team', overflow_after_minutes: 'Overflow after', queue_order: 'Queue order', skills: 'Skills', teams: 'Teams', team: 'Team', addresses: 'Addresses', members: 'Members', hidden: 'Hidden', default_priority: 'Default priority' } as const;

/** A wait in whole minutes from 1 to 10 080 (a week); null/empty: none. `undefined` when invalid. */
export function parseMinutes(raw: unknown): number | null | undefined {
  if (raw === null || raw === undefined || raw === '') return null;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 10_080 ? n : undefined;
}

/**
 * A name of 1–64 characters (teams, skills) or 1–100 (topics), control characters removed, stored in
 * Unicode's composed form (NFC): a name typed with combining marks is kept as the same characters
 * everyone else's keyboard sends, so the pages, the export and a later lookup see one spelling.
 */
export function parseName(fields: Record<string, string>, raw: unknown, max: number): string {
  // eslint-disable-next-line no-control-regex
  const name = typeof raw === 'string' ? trimInvisible(raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')).normalize('NFC') : '';
  if (name.length === 0) fields.name = 'Required.';
  else if (name.length > max) fields.name = `At most ${max} characters.`;
  return name;
}

/** A list of names as a JSON array or a comma-separated text (forms), trimmed (trimInvisible), without blanks or repeats. */
export function parseNameList(raw: unknown): string[] | undefined {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : raw === undefined || raw === null ? [] : undefined;
  if (!items || items.some((i) => typeof i !== 'string')) return undefined;
  return [...new Set((items as string[]).map(trimInvisible).filter((i) => i !== ''))];
}

/** A yes/no of a form (a ticked box is `on`) or of JSON (a boolean); `undefined` when it is neither. */
export function parseSwitch(raw: unknown): boolean | undefined {
  if (raw === true || raw === 'on' || raw === 'true') return true;
  if (raw === false || raw === undefined || raw === null || raw === '' || raw === 'false') return false;
  return undefined;
}

/** The team form's and the team API's labels: TEAM_LABELS and the team's own SLA (core/teamSla.ts). */
export const TEAM_FORM_LABELS: FieldLabels = { ...TEAM_LABELS, ...TEAM_SLA_LABELS };

export interface TeamInput {
  name: string;
  /** Its own calendar and targets, or the desk's (core/teamSla.ts); undefined: leave them as they are (a new team: the desk's). */
  sla?: TeamSla;
  overflowTeam: string | null;
  overflowAfterMinutes: number | null;
  /** The order of its waiting tickets; null or absent: the desk's queue_order setting (a save replaces the whole team). */
  queueOrder?: QueueOrder | null;
  /** The members' usernames; undefined: leave them as they are (the API's agent route sets them too). */
  members?: string[];
}

/**
 * A team's queue order: `oldest` or `deadline` in any letter case; absent, null or empty: the
 * desk's (null). `undefined` when it is none of these.
 */
export function parseTeamQueueOrder(raw: unknown): QueueOrder | null | undefined {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') return undefined;
  const order = raw.trim().toLowerCase();
  if (order === '') return null;
  return QUEUE_ORDERS.find((o) => o === order);
}

/** A name that lookups by name or id (teams, topics) would read as an id. */
function readAsId(name: string): boolean {
  return /^\d+$/.test(name);
}

/**
 * A team named in a field (an overflow team): its name, or its id as a JSON number (read as the
 * digits it is); null when absent or empty; undefined when it is neither (a boolean, a list).
 */
function teamReference(raw: unknown): string | null | undefined {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw > 0 ? String(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  return raw.trim() === '' ? null : raw.trim();
}

/**
 * A team: its name, its own SLA calendar and targets or the desk's (core/teamSla.ts), optionally an
 * overflow team (by name or id) with its wait (both or neither), its queue order (null: the desk's), and
 * optionally its members (usernames); every field's problem at once. Whether the overflow team and
 * the members exist is the service's question.
 */
export function checkTeam(raw: Record<string, unknown>): Checked<TeamInput> {
  const fields: Record<string, string> = {};
  const name = parseName(fields, raw.name, 64);
  // Every `?team=` (lists, figures, the dashboard's links, an overflow team) reads digits alone as a
  // team's id (findTeamByNameOrId): such a name would find another team, or none.
  if (readAsId(name)) fields.name = 'A name of digits alone would be read as a team’s id: add a letter or a word.';
  const members = raw.members === undefined ? undefined : parseNameList(raw.members);
  if (raw.members !== undefined && members === undefined) fields.members = 'Give a list of usernames.';
  const overflowTeam = teamReference(raw.overflow_team);
  if (overflowTeam === undefined) fields.overflow_team = 'Name a team (its name or id), or none.';
  const overflowAfterMinutes = parseMinutes(raw.overflow_after_minutes);
  if (overflowAfterMinutes === undefined) fields.overflow_after_minutes = 'Enter whole minutes from 1 to 10080.';
  // A team refused above is not called missing beside its wait.
  else if (overflowTeam !== undefined && (overflowTeam === null) !== (overflowAfterMinutes === null)) fields.overflow_after_minutes = 'Give an overflow team and its wait together, or neither.';
  if (overflowTeam !== null && overflowTeam !== undefined && nameKey(overflowTeam) === nameKey(name)) fields.overflow_team = 'A team cannot overflow into itself.';
  const queueOrder = parseTeamQueueOrder(raw.queue_order);
  if (queueOrder === undefined) fields.queue_order = 'Choose oldest or deadline, or none for the desk’s.';
  const sla = checkTeamSla(raw);
  return new Checked(
    { name, sla: sla.value, overflowTeam: overflowTeam ?? null, overflowAfterMinutes: overflowAfterMinutes ?? null, queueOrder: queueOrder ?? null, ...(members === undefined ? {} : { members }) },
    { ...fields, ...sla.fields },
  );
}

/** checkTeam's team, or one invalid_input naming every bad field. */
export function validateTeam(raw: Record<string, unknown>): TeamInput {
  return accepted(checkTeam(raw), TEAM_FORM_LABELS);
}

export interface TopicInput {
  name: string;
  team: string;
  skills: { name: string; optionalAfterMinutes: number | null }[];
  addresses: string[];
  /** Kept off the customer form, refused by name on the form and the ticket API (only addresses lead to it). */
  hidden: boolean;
  /** The priority a ticket of this topic gets when none is given (mail); null: the usual default. */
  defaultPriority: 'high' | 'medium' | 'low' | null;
}

const PRIORITIES = ['high', 'medium', 'low'] as const;

/**
 * A topic: name, team (by name), skills as `[{name, optional_after_minutes}]` or names, inbound
 * addresses (lower-cased), whether it is hidden from the form, and its default priority; every
 * field's problem at once. Taken names and addresses, and unknown teams and skills, are the service's.
 */
export function checkTopic(raw: Record<string, unknown>): Checked<TopicInput> {
  const fields: Record<string, string> = {};
  const name = parseName(fields, raw.name, 100);
  // A ticket's `topic` (the API, intake's memory of the names: core topicNamed) reads digits alone
  // as a topic's id, as every `?team=` does a team's.
  if (readAsId(name)) fields.name = 'A name of digits alone would be read as a topic’s id: add a letter or a word.';
  const team = typeof raw.team === 'string' ? raw.team.trim() : '';
  if (team === '') fields.team = 'Required.';
  const skills: TopicInput['skills'] = [];
  const rawSkills = raw.skills === undefined || raw.skills === null ? [] : raw.skills;
  if (!Array.isArray(rawSkills)) fields.skills = 'Give a list of skills.';
  else {
    for (const s of rawSkills as unknown[]) {
      const entry = typeof s === 'string' ? { name: s } : (s as Record<string, unknown> | null);
      const skillName = typeof entry?.name === 'string' ? entry.name.trim() : '';
      const after = parseMinutes(entry?.optional_after_minutes);
      if (skillName === '' || after === undefined) fields.skills = 'Each skill needs a name and, optionally, whole minutes from 1 to 10080 after which it is optional.';
      // Names match in any letter case; one listed twice (maybe with two waits) is refused, not guessed at.
      else if (skills.some((known) => nameKey(known.name) === nameKey(skillName))) fields.skills ??= `The skill “${skillName}” is listed twice.`;
      else skills.push({ name: skillName, optionalAfterMinutes: after });
    }
  }
  // Lower-cased, then without repeats: `A@x` and `a@x` are one address.
  const listed = parseNameList(raw.addresses);
  const addresses = listed && [...new Set(listed.map((a) => a.toLowerCase()))];
  if (!addresses) fields.addresses = 'Give a list of email addresses.';
  else if (addresses.some((a) => !/^[^\s@]+@[^\s@]+$/.test(a) || a.length > 254)) fields.addresses = 'Enter email addresses such as billing@example.com.';
  const hidden = parseSwitch(raw.hidden);
  if (hidden === undefined) fields.hidden = 'Say yes (true) or no (false).';
  const priority = typeof raw.default_priority === 'string' ? raw.default_priority.trim().toLowerCase() : raw.default_priority;
  const defaultPriority = priority === undefined || priority === null || priority === '' ? null : PRIORITIES.find((p) => p === priority);
  if (defaultPriority === undefined) fields.default_priority = 'Choose high, medium or low, or none.';
  return new Checked({ name, team, skills, addresses: addresses ?? [], hidden: hidden ?? false, defaultPriority: defaultPriority ?? null }, fields);
}

/** checkTopic's topic, or one invalid_input naming every bad field. */
export function validateTopic(raw: Record<string, unknown>): TopicInput {
  return accepted(checkTopic(raw), TEAM_LABELS);
}
