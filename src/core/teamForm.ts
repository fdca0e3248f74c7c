/**
 * The admin pages' forms of teams, topics and an agent's teams and skills (§12): what a form posts
 * turned into what the service takes (the same as the API's JSON), and a saved team or topic turned
 * into the form's values. Pure.
 */
import type { EditForm } from './formMerge.js';
import { TEAM_FORM_LABELS, TEAM_LABELS } from './teamInput.js';
import { TEAM_TARGET_FIELDS, teamSlaFormValues, teamTargetsFromForm } from './teamSla.js';
import type { TeamSlaJson } from './teamSla.js';

/** A form's values: one string per field (lists comma-separated). */
type Values = Record<string, string>;

/** The ticked boxes of a field: none (absent), one (a string) or several (an array). */
export function ticked(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((v): v is string => typeof v === 'string');
  return typeof raw === 'string' && raw !== '' ? [raw] : [];
}

/** The text field of a skill's wait on the topic form. */
export const skillAfterField = (skillId: number) => `skill_after_${skillId}`;

/**
 * The team form: name, SLA calendar (empty: the desk's) and targets (all nine empty: the desk's),
 * overflow team and wait, queue order (empty: the desk's), members (ticked usernames; none ticked: none).
 */
export function teamFromForm(body: Record<string, unknown>): Record<string, unknown> {
  return {
    name: body.name,
    calendar: body.calendar,
    sla: teamTargetsFromForm(body),
    overflow_team: body.overflow_team,
    overflow_after_minutes: body.overflow_after_minutes,
    queue_order: body.queue_order,
    members: ticked(body.members),
  };
}

/**
 * The topic form: name, team, hidden (a box), default priority, addresses (comma-separated), and
 * the ticked skills, each with its wait from its own field (empty: always needed).
 */
export function topicFromForm(body: Record<string, unknown>, skills: readonly { id: number; name: string }[]): Record<string, unknown> {
  return {
    name: body.name,
    team: body.team,
    hidden: body.hidden ?? false,
    default_priority: body.default_priority,
    addresses: typeof body.addresses === 'string' ? body.addresses : '',
    // A ticked name no skill has goes on as it is: the service refuses it by name.
    skills: ticked(body.skills).map((name) => {
      const skill = skills.find((s) => s.name.toLowerCase() === name.toLowerCase());
      return skill ? { name: skill.name, optional_after_minutes: body[skillAfterField(skill.id)] } : { name };
    }),
  };
}

/** The agent's part of the user page: its teams and skills (ticked names; none ticked: none). */
export function agentTeamsFromForm(body: Record<string, unknown>): { teams: string[]; skills: string[] } {
  return { teams: ticked(body.teams), skills: ticked(body.skills) };
}

/**
 * A list saved from a form that showed `shown`, over what is `stored` now: the names the admin
 * ticked are added, the ones it unticked are taken away, and everything else stays as stored (a
 * name someone else added or removed since the page was loaded keeps their change). Names compare
 * in any letter case; the result keeps the stored order, the added names after it.
 */
export function mergedList(shown: readonly string[], posted: readonly string[], stored: readonly string[]): string[] {
  const key = (name: string) => name.toLowerCase();
  const shownKeys = new Set(shown.map(key));
  const postedKeys = new Set(posted.map(key));
  const removed = new Set([...shownKeys].filter((k) => !postedKeys.has(k)));
  const kept = stored.filter((name) => !removed.has(key(name)));
  const keptKeys = new Set(kept.map(key));
  return [...kept, ...posted.filter((name) => !shownKeys.has(key(name)) && !keptKeys.has(key(name)))];
}

/**
 * The agent's form posted over its stored teams and skills: with `_shown` (the page's), each list
 * merged (mergedList), so two admins changing one agent at once keep both changes; without it (a
 * script, an older page), the lists as posted.
 */
export function agentTeamsOver(posted: { teams: string[]; skills: string[] }, shown: Values | undefined, stored: { teams: string[]; skills: string[] }): { teams: string[]; skills: string[] } {
  if (!shown) return posted;
  const listOf = (text: string | undefined) => (text ?? '').split(',').filter((n) => n !== '');
  return { teams: mergedList(listOf(shown.teams), posted.teams, stored.teams), skills: mergedList(listOf(shown.skills), posted.skills, stored.skills) };
}

/** What the admin typed, to show again after a refusal: strings as they were, ticked boxes comma-joined. */
export function keptFormValues(body: Record<string, unknown>): Values {
  const values: Values = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === '_csrf') continue;
    if (typeof value === 'string') values[name] = value;
    else if (Array.isArray(value)) values[name] = ticked(value).join(',');
  }
  return values;
}

/** A saved team as its form shows it. */
export function teamFormValues(
  team: ({ name: string; overflow_team: string | null; overflow_after_minutes: number | null; queue_order: string | null; members: readonly string[] } & Partial<TeamSlaJson>) | null,
): Values {
  if (!team) return { name: '', ...teamSlaFormValues({ calendar: null, sla: null }), overflow_team: '', overflow_after_minutes: '', queue_order: '', members: '' };
  return {
    name: team.name,
    ...teamSlaFormValues({ calendar: team.calendar ?? null, sla: team.sla ?? null }),
    overflow_team: team.overflow_team ?? '',
    overflow_after_minutes: team.overflow_after_minutes === null ? '' : String(team.overflow_after_minutes),
    queue_order: team.queue_order ?? '',
    members: team.members.join(','),
  };
}

/** A saved topic as its form shows it; `skills` are every skill, for the fields of their waits. */
export function topicFormValues(
  topic: { name: string; team: string; hidden: boolean; default_priority: string | null; addresses: readonly string[]; skills: readonly { name: string; optional_after_minutes: number | null }[] } | null,
  skills: readonly { id: number; name: string }[],
): Values {
  if (!topic) return { name: '', team: '', hidden: '', default_priority: '', addresses: '', skills: '' };
  const values: Values = { name: topic.name, team: topic.team, hidden: topic.hidden ? 'on' : '', default_priority: topic.default_priority ?? '', addresses: topic.addresses.join(', '), skills: topic.skills.map((s) => s.name).join(',') };
  for (const s of skills) {
    const needed = topic.skills.find((n) => n.name === s.name);
    values[skillAfterField(s.id)] = needed?.optional_after_minutes == null ? '' : String(needed.optional_after_minutes);
  }
  return values;
}

/** A list's text (ticked names comma-joined, addresses) compared in any order and letter case. */
const listKey = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '')
    .sort()
    .join(',');

/** A form's texts from a post (core/formMerge.ts): what keptFormValues keeps, and each of `lists` (boxes) empty when none is ticked. */
function postedTexts(body: Record<string, unknown>, lists: readonly string[]): Values {
  const texts = keptFormValues(body);
  for (const name of lists) texts[name] ??= '';
  return texts;
}

/** Texts compared as the form reads them: names as typed (trimmed), choices in any letter case, lists in any order. */
function canonicalOf(texts: Values, rules: Readonly<Record<string, 'text' | 'choice' | 'list'>>): Values {
  const out: Values = {};
  for (const [name, text] of Object.entries(texts)) {
    const rule = rules[name] ?? 'text';
    out[name] = rule === 'list' ? listKey(text) : rule === 'choice' ? text.trim().toLowerCase() : text.trim();
  }
  return out;
}

/** The team form's queue order choices besides the desk's (the empty value). */
export const TEAM_QUEUE_ORDERS: Readonly<Record<string, string>> = { oldest: 'Oldest first', deadline: 'Deadline first' };

/** A team's queue order as the form names it: its choice, the desk's when empty. */
function queueOrderInWords(text: string): string {
  const order = text.trim().toLowerCase();
  return order === '' ? 'the desk’s' : (TEAM_QUEUE_ORDERS[order] ?? text);
}

/** The team form in a merge (core/formMerge.ts): its members are one field. */
export const TEAM_EDIT_FORM: EditForm = {
  fields: ['name', 'members', 'calendar', ...TEAM_TARGET_FIELDS, 'overflow_team', 'overflow_after_minutes', 'queue_order'],
  textsOf: (body) => postedTexts(body, ['members']),
  canonical: (texts) => canonicalOf(texts, { members: 'list', overflow_team: 'choice', calendar: 'choice', queue_order: 'choice' }),
  wording: { what: 'this team', labels: TEAM_FORM_LABELS, describe: (field, text) => (field === 'queue_order' ? queueOrderInWords(text) : text) },
};

/** Merged team texts as the form posts them (teamFromForm): members as ticked boxes. */
export function teamBodyOf(texts: Values): Record<string, unknown> {
  return { ...texts, members: texts.members?.split(',').filter((m) => m !== '') ?? [] };
}

/** The topic form in a merge: its skills are one field, each skill's wait another; `skills` are every skill. */
export function topicEditForm(skills: readonly { id: number; name: string }[]): EditForm {
  const waits = skills.map((s) => skillAfterField(s.id));
  return {
    fields: ['name', 'team', 'hidden', 'default_priority', 'skills', ...waits, 'addresses'],
    textsOf: (body) => postedTexts(body, ['skills', 'hidden']),
    canonical: (texts) => canonicalOf(texts, { team: 'choice', hidden: 'choice', default_priority: 'choice', skills: 'list', addresses: 'list' }),
    wording: {
      what: 'this topic',
      labels: { ...TEAM_LABELS, hidden: 'Hidden from the form', skills: 'Required skills', ...Object.fromEntries(skills.map((s) => [skillAfterField(s.id), `${s.name}: optional after (minutes)`])) },
      describe: (field, text) => (field === 'hidden' ? (text === 'on' ? 'hidden' : 'shown') : text),
    },
  };
}

/** Merged topic texts as the form posts them (topicFromForm): skills as ticked boxes, the hidden box absent when unticked. */
export function topicBodyOf(texts: Values): Record<string, unknown> {
  const { hidden, ...rest } = texts;
  return { ...rest, ...(hidden === '' || hidden === undefined ? {} : { hidden }), skills: texts.skills?.split(',').filter((s) => s !== '') ?? [] };
}
