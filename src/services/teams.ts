/**
 * Admin changes to teams, skills, memberships and topics (§12), for the pages and the API alike.
 * Each runs as a routing transaction: who may take what changes with them, so the drain that ends
 * every routing transaction hands waiting tickets to whoever may now take them (team-I3), and no
 * routing decision in another process sees half a change. Each writes its audit entry (before and
 * after) in that transaction. Bad input is a 400 naming the field, and changes nothing.
 */
import { type AuditAction, changedParts } from '../core/audit.js';
import { adminsAreNoAgents, type Submission, submittedOver, type FieldErrors, idOfDigits, idsOfNames, nameKey, quotedNames, refuseFields, rowNamed } from '../core/checked.js';
import { DomainError, invalidInput, notFound } from '../core/errors.js';
import { labelled } from '../core/fieldErrors.js';
import { TEAM_FORM_LABELS, TEAM_LABELS, type TeamInput, type TopicInput, parseName, parseNameList } from '../core/teamInput.js';
import { calendarColumns, targetsText } from '../core/teamSla.js';
import { requiredSkillsAt, skillDeletionConflict, skillsTextWithout, teamDeletionConflict, teamRule, topicDeletionConflict } from '../core/teams.js';
import type { Db } from '../db/connect.js';
import { holdCalendar } from '../repositories/calendars.js';
import { findTeamByNameOrId, listSkills, listTeams, listTopics, newIdPast, type TeamListing, type TopicListing } from '../repositories/teams.js';
import { openTicketsWithSkill, setRequiredSkills, waitingTicketsOfTeam, waitingTicketsWithSkill } from '../repositories/routingDue.js';
import { recordTeamChange } from '../repositories/teamHistory.js';
import { loadTeamWorld } from '../repositories/teamState.js';
import { findUserById } from '../repositories/users.js';
import { type Acting, auditRun } from './audit.js';
import type { ServiceContext } from './context.js';
import { refreshRoutingMoments, type RoutingRun, withRouting } from './routing.js';

/** The Support team: every agent joins it when created, and it cannot be deleted. */
export const SUPPORT_TEAM_ID = 1;

/** The admin acting, as the audit log records them (http/acting.ts makes one from a request). */
export type AdminActor = Acting;

const refuse = (field: keyof typeof TEAM_LABELS, message: string) => invalidInput(labelled({ [field]: message }, TEAM_LABELS));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** After a change of teams, skills or memberships, routing's view of them is read again. */
async function reloadWorld(run: RoutingRun): Promise<void> {
  run.world = await loadTeamWorld(run.trx);
  run.rule = teamRule(run.world, run.now);
  run.queueWaiting = true;
}

/**
 * Runs `work` as a routing transaction by `actor`, and records its audit entry in it. An update
 * (before and after) records only the fields it changed, and nothing when it changed nothing.
 * When it changed who may take what, the world before it goes to the team history, so the
 * forecast's backtest replays a past window with the teams it had (repositories/teamHistory.ts).
 */
async function audited<T>(ctx: ServiceContext, actor: AdminActor, action: AuditAction, work: (run: RoutingRun) => Promise<{ value: T; subject: string; before?: unknown; after?: unknown }>): Promise<T> {
  return withRouting(ctx, actor, async (run) => {
    const worldBefore = await loadTeamWorld(run.trx);
    const { value, subject, before, after } = await work(run);
    const change = before === undefined || after === undefined ? { before, after } : changedParts(before, after);
    if (change !== null) await auditRun(run, action, subject, change);
    await recordTeamChange(run.trx, run.now, worldBefore, await loadTeamWorld(run.trx));
    return value;
  });
}


type NamedTable = 'teams' | 'skills' | 'agents';
const NOUNS: Record<NamedTable, string> = { teams: 'team', skills: 'skill', agents: 'agent' };

/**
 * The ids of `names` in `table` (agents by username), or null once the names none has are
 * recorded as `fields[field]`'s error; a field already refused is not looked up.
 */
async function namedIds(db: Db, table: NamedTable, names: readonly string[], fields: FieldErrors, field: keyof typeof TEAM_LABELS): Promise<number[] | null> {
  if (fields[field] !== undefined) return null;
  if (names.length === 0) return [];
  const rows =
    table === 'agents'
      ? await db.selectFrom('users').select(['id', 'username as name', 'role']).execute()
      : (await db.selectFrom(table).select(['id', 'name']).execute()).map((row) => ({ ...row, role: null }));
  // Digits alone name a team by its id, as every `?team=` reads them (a team's name may not be
  // digits alone: core/teamInput.ts): an overflow team, a topic's team, an agent's teams.
  const asked = table === 'teams' ? names.map((n) => rows.find((r) => r.id === idOfDigits(n))?.name ?? n) : names;
  const { ids, unknown } = idsOfNames(rows.filter((row) => row.role !== 'admin'), asked);
  if (unknown.length === 0) return ids;
  // An admin's username is no agent's, but saying nobody has it would be wrong.
  const admins = new Set(rows.filter((row) => row.role === 'admin').map((row) => nameKey(row.name)));
  const adminNames = unknown.filter((name) => admins.has(nameKey(name)));
  const nobodys = unknown.filter((name) => !admins.has(nameKey(name)));
  fields[field] = [nobodys.length > 0 ? `No ${NOUNS[table]} is named ${quotedNames(nobodys)}.` : '', adminNames.length > 0 ? adminsAreNoAgents(adminNames) : ''].filter(Boolean).join(' ');
  return null;
}

/** Whether a row other than `exceptId` has `name` (in any letter case or Unicode normal form: core/checked.ts nameKey). */
async function nameTaken(db: Db, table: 'teams' | 'skills' | 'topics', name: string, exceptId: number | null): Promise<boolean> {
  const rows = await db.selectFrom(table).select(['id', 'name']).execute();
  return rowNamed(rows.filter((r) => r.id !== exceptId), name) !== undefined;
}

/**
 * Our decision on an agent's last team (README): an agent holding open tickets keeps at least one
 * team, so taking its last one away is refused with their count; nothing is rerouted behind the
 * admin's back. `remaining` is each agent's team count after the change.
 */
async function refuseTeamlessHolders(db: Db, remaining: ReadonlyMap<number, number>, field: 'teams' | 'members'): Promise<void> {
  const held = await teamlessHolders(db, remaining);
  if (held.length === 0) return;
  const who = held.map((h) => (field === 'teams' ? `The agent holds ${plural(h.openTickets, 'open ticket')}` : `${h.username} holds ${plural(h.openTickets, 'open ticket')}`)).join('; ');
  throw refuse(field, `${who}; an agent keeps at least one team until its tickets are closed or moved.`);
}

/** The agents left with no team (`remaining` 0) who hold open tickets, with their count, by username. */
async function teamlessHolders(db: Db, remaining: ReadonlyMap<number, number>): Promise<{ username: string; openTickets: number }[]> {
  const teamless = [...remaining].filter(([, n]) => n === 0).map(([id]) => id);
  if (teamless.length === 0) return [];
  const held = await db.selectFrom('tickets as t').innerJoin('users as u', 'u.id', 't.agent_id').select(['u.username', (eb) => eb.fn.countAll<number>().as('n')]).where('t.agent_id', 'in', teamless).where('t.status', '=', 'open').groupBy('u.username').orderBy('u.username').execute();
  return held.map((h) => ({ username: h.username, openTickets: Number(h.n) }));
}

/** Each of `userIds`' number of teams once `change` is applied to its list of team ids. */
async function teamCountsAfter(db: Db, userIds: readonly number[], change: (userId: number, teams: number[]) => number[]): Promise<Map<number, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.selectFrom('team_members').select(['user_id', 'team_id']).where('user_id', 'in', userIds).execute();
  return new Map(userIds.map((id) => [id, change(id, rows.filter((r) => r.user_id === id).map((r) => r.team_id)).length]));
}

/** One team or topic as its page and the audit log show it (the listing's row, read alone). */
const teamSnapshot = async (db: Db, id: number | null) => (id === null ? undefined : (await listTeams(db, id))[0]);
const topicSnapshot = async (db: Db, id: number | null) => (id === null ? undefined : (await listTopics(db, id))[0]);

/** Creates a team, or updates team `id` (its members too when `input.members` is given); returns its id. */
export async function saveTeam(ctx: ServiceContext, actor: AdminActor, submission: Submission<TeamInput, TeamListing>, id: number | null = null): Promise<number> {
  return audited(ctx, actor, id === null ? 'team.create' : 'team.update', async (run) => {
    const before = await teamSnapshot(run.trx, id);
    if (id !== null && !before) throw notFound('Team');
    const { value: input, fields: parsed } = submittedOver(submission, before);
    // Every problem at once: the form's own, then what the database says of the fields that parsed.
    const fields: FieldErrors = { ...parsed };
    if (!fields.name && (await nameTaken(run.trx, 'teams', input.name, id))) fields.name = 'Another team has this name.';
    const [overflow] = input.overflowTeam === null ? [null] : ((await namedIds(run.trx, 'teams', [input.overflowTeam], fields, 'overflow_team')) ?? []);
    if (id !== null && overflow === id) fields.overflow_team = 'A team cannot overflow into itself.';
    const members = input.members === undefined ? undefined : await namedIds(run.trx, 'agents', input.members, fields, 'members');
    const calendar = input.sla?.calendar;
    if (fields.calendar === undefined && typeof calendar === 'number' && (await holdCalendar(run.trx, calendar)) === undefined) fields.calendar = `No calendar has id ${calendar}: choose the desk's, 24/7 or one of the calendars.`;
    refuseFields(fields, TEAM_FORM_LABELS);
    const sla = input.sla === undefined ? {} : { ...calendarColumns(input.sla.calendar), sla_targets: targetsText(input.sla.targets) };
    const values = { name: input.name, ...sla, overflow_team_id: overflow ?? null, overflow_after_minutes: input.overflowAfterMinutes, queue_order: input.queueOrder ?? null };
    let teamId = id;
    if (teamId === null) {
      const fresh = await newIdPast(run.trx, 'teams');
      teamId = (await run.trx.insertInto('teams').values({ ...values, ...(fresh === null ? {} : { id: fresh }), created_at: run.now }).returning('id').executeTakeFirstOrThrow()).id;
    } else {
      await run.trx.updateTable('teams').set(values).where('id', '=', teamId).execute();
    }
    if (members) await setTeamMembers(run.trx, teamId, members);
    // The world carries the teams' queue orders too: a changed order applies at once to the
    // tickets waiting, in the drain that ends this transaction (as a change of the desk's does).
    await reloadWorld(run);
    // A changed overflow moves the moment its waiting tickets may also go to the overflow team.
    if (id !== null) await refreshRoutingMoments(run, await waitingTicketsOfTeam(run.trx, teamId));
    return { value: teamId, subject: `team:${teamId}`, before, after: await teamSnapshot(run.trx, teamId) };
  });
}

/** Team `teamId` holds exactly `members`; an agent left without any team while holding tickets is refused. */
async function setTeamMembers(db: Db, teamId: number, members: readonly number[]): Promise<void> {
  const current = (await db.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).execute()).map((r) => r.user_id);
  const leaving = current.filter((u) => !members.includes(u));
  await refuseTeamlessHolders(db, await teamCountsAfter(db, leaving, (_u, teams) => teams.filter((t) => t !== teamId)), 'members');
  if (leaving.length > 0) await db.deleteFrom('team_members').where('team_id', '=', teamId).where('user_id', 'in', leaving).execute();
  const joining = members.filter((u) => !current.includes(u));
  if (joining.length > 0) await db.insertInto('team_members').values(joining.map((user_id) => ({ team_id: teamId, user_id }))).execute();
}

/**
 * Deletes a team. Refused (409, changing nothing) for Support, for a team holding open tickets
 * (with their count: move or close them first), for a team a topic routes to or another team
 * overflows into (never changed behind the admin's back), and for the last team of agents holding
 * tickets. Its closed tickets keep its id and show no team.
 */
export async function deleteTeam(ctx: ServiceContext, actor: AdminActor, teamId: number): Promise<void> {
  await audited(ctx, actor, 'team.delete', async (run) => {
    const before = await teamSnapshot(run.trx, teamId);
    if (!before) throw notFound('Team');
    const open = await run.trx.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).where('team_id', '=', teamId).where('status', '=', 'open').executeTakeFirstOrThrow();
    const topics = await run.trx.selectFrom('topics').select('name').where('team_id', '=', teamId).orderBy('name').execute();
    const overflowFrom = await run.trx.selectFrom('teams').select('name').where('overflow_team_id', '=', teamId).orderBy('name').execute();
    const members = (await run.trx.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).execute()).map((r) => r.user_id);
    const lastTeamOf = await teamlessHolders(run.trx, await teamCountsAfter(run.trx, members, (_u, teams) => teams.filter((t) => t !== teamId)));
    const inUse = teamDeletionConflict(before.name, { builtIn: teamId === SUPPORT_TEAM_ID, openTickets: Number(open.n), topics: topics.map((t) => t.name), overflowFrom: overflowFrom.map((t) => t.name), lastTeamOf });
    if (inUse !== null) throw new DomainError('conflict', inUse);
    await run.trx.deleteFrom('team_members').where('team_id', '=', teamId).execute();
    await run.trx.deleteFrom('teams').where('id', '=', teamId).execute();
    await reloadWorld(run);
    return { value: undefined, subject: `team:${teamId}`, before };
  });
}

/**
 * Sets an agent's teams and skills (by name). Unknown names are refused. An agent holding open
 * tickets keeps at least one team: taking its last team away is refused with their count (its
 * tickets would have nobody of their team able to be balanced or pulled to; see the README).
 */
export async function setAgentTeamsAndSkills(
  ctx: ServiceContext,
  actor: AdminActor,
  userId: number,
  submission: { teams?: unknown; skills?: unknown } | ((stored: { teams: string[]; skills: string[] }) => { teams?: unknown; skills?: unknown }),
): Promise<void> {
  await audited(ctx, actor, 'user.teams', async (run) => {
    const user = await findUserById(run.trx, userId);
    if (!user) throw notFound('Agent');
    if (user.role !== 'agent') throw invalidInput({ username: adminsAreNoAgents([user.username]) });
    const before = await agentTeamsAndSkills(run.trx, user.username);
    // A page's post is merged over what is stored now, inside the transaction (core/teamForm.ts agentTeamsOver).
    const raw = typeof submission === 'function' ? submission(before) : submission;
    const fields: FieldErrors = {};
    const teamNames = raw.teams === undefined ? undefined : parseNameList(raw.teams);
    const skillNames = raw.skills === undefined ? undefined : parseNameList(raw.skills);
    if (teamNames === undefined && raw.teams !== undefined) fields.teams = 'Give a list of team names.';
    if (skillNames === undefined && raw.skills !== undefined) fields.skills = 'Give a list of skill names.';
    const teamIds = teamNames === undefined ? undefined : await namedIds(run.trx, 'teams', teamNames, fields, 'teams');
    const skillIds = skillNames === undefined ? undefined : await namedIds(run.trx, 'skills', skillNames, fields, 'skills');
    refuseFields(fields, TEAM_LABELS);
    if (teamIds) {
      await refuseTeamlessHolders(run.trx, new Map([[userId, teamIds.length]]), 'teams');
      await run.trx.deleteFrom('team_members').where('user_id', '=', userId).execute();
      if (teamIds.length > 0) await run.trx.insertInto('team_members').values(teamIds.map((team_id) => ({ team_id, user_id: userId }))).execute();
    }
    if (skillIds) {
      await run.trx.deleteFrom('agent_skills').where('user_id', '=', userId).execute();
      if (skillIds.length > 0) await run.trx.insertInto('agent_skills').values(skillIds.map((skill_id) => ({ skill_id, user_id: userId }))).execute();
    }
    await reloadWorld(run);
    return { value: undefined, subject: `user:${userId}`, before, after: await agentTeamsAndSkills(run.trx, user.username) };
  });
}

/** An agent's teams and skills by name, as the API answers and the audit log records. */
export async function agentTeamsAndSkills(db: Db, username: string): Promise<{ teams: string[]; skills: string[] }> {
  const [teams, skills] = await Promise.all([listTeams(db), listSkills(db)]);
  return { teams: teams.filter((t) => t.members.includes(username)).map((t) => t.name), skills: skills.filter((s) => s.agents.includes(username)).map((s) => s.name) };
}

/** A skill's name as given (trimmed, invisible ends removed), or a 400 naming `name`. */
function skillName(raw: { name?: unknown }): string {
  const fields: Record<string, string> = {};
  const name = parseName(fields, raw.name, 64);
  if (fields.name) throw refuse('name', fields.name);
  return name;
}

/** Refuses `name` when another skill than `exceptId` has it, in any letter case. */
async function refuseTakenSkillName(db: Db, name: string, exceptId: number | null): Promise<void> {
  if (await nameTaken(db, 'skills', name, exceptId)) throw refuse('name', 'Another skill has this name.');
}

/** Creates a skill; returns its id. */
export async function createSkill(ctx: ServiceContext, actor: AdminActor, raw: { name?: unknown }): Promise<number> {
  const name = skillName(raw);
  return audited(ctx, actor, 'skill.create', async (run) => {
    await refuseTakenSkillName(run.trx, name, null);
    const id = (await run.trx.insertInto('skills').values({ name }).returning('id').executeTakeFirstOrThrow()).id;
    return { value: id, subject: `skill:${id}`, after: { name } };
  });
}

/**
 * Renames a skill (a letter case of its own name too); returns its id. Topics and agents name it
 * by id, and so does routing a waiting ticket, so they all follow the new name; tickets keep the
 * name they were created with (README), open and closed alike.
 */
export async function renameSkill(ctx: ServiceContext, actor: AdminActor, skillId: number, raw: { name?: unknown }): Promise<number> {
  return audited(ctx, actor, 'skill.update', async (run) => {
    const before = await run.trx.selectFrom('skills').select('name').where('id', '=', skillId).executeTakeFirst();
    if (!before) throw notFound('Skill');
    const name = skillName(raw);
    await refuseTakenSkillName(run.trx, name, skillId);
    await run.trx.updateTable('skills').set({ name }).where('id', '=', skillId).execute();
    await reloadWorld(run);
    return { value: skillId, subject: `skill:${skillId}`, before: { name: before.name }, after: { name } };
  });
}

/**
 * Deletes a skill nobody needs: refused while a topic requires it or a waiting ticket still needs
 * it. Agents holding it lose it, and the open tickets that named it (held by an agent, or waiting
 * past its optional wait) no longer do: nobody could ever hold a deleted skill again, so a ticket
 * still requiring it would wait for good once sent back to the queue (R5, R6). Its holder met it
 * when it took the ticket; closed tickets keep it as part of their record.
 */
export async function deleteSkill(ctx: ServiceContext, actor: AdminActor, skillId: number): Promise<void> {
  await audited(ctx, actor, 'skill.delete', async (run) => {
    const before = (await listSkills(run.trx)).find((s) => s.id === skillId);
    if (!before) throw notFound('Skill');
    const requiring = await run.trx.selectFrom('topic_skills as ts').innerJoin('topics as t', 't.id', 'ts.topic_id').select('t.name').where('ts.skill_id', '=', skillId).orderBy('t.name').execute();
    const waiting = (await waitingTicketsWithSkill(run.trx, skillId)).filter((t) => requiredSkillsAt(t, run.now).includes(skillId));
    const inUse = skillDeletionConflict(before.name, requiring.map((t) => t.name), waiting.length);
    if (inUse !== null) throw new DomainError('conflict', inUse);
    await run.trx.deleteFrom('agent_skills').where('skill_id', '=', skillId).execute();
    for (const ticket of await openTicketsWithSkill(run.trx, skillId)) {
      const without = skillsTextWithout(ticket.required_skills, skillId);
      if (without !== null) await setRequiredSkills(run.trx, ticket.id, without);
    }
    await run.trx.deleteFrom('skills').where('id', '=', skillId).execute();
    await reloadWorld(run);
    return { value: undefined, subject: `skill:${skillId}`, before };
  });
}

/** How many topics other than `exceptId` the form offers. */
async function visibleTopicsBesides(db: Db, exceptId: number | null): Promise<number> {
  const rows = await db.selectFrom('topics').select('id').where('hidden', '=', 0).execute();
  return rows.filter((r) => r.id !== exceptId).length;
}

/**
 * Creates a topic, or updates topic `id` (new tickets only: tickets keep the skills they were
 * created with). The form keeps at least one topic that is not hidden.
 */
export async function saveTopic(ctx: ServiceContext, actor: AdminActor, submission: Submission<TopicInput, TopicListing>, id: number | null = null): Promise<number> {
  return topicsChanged(ctx, audited(ctx, actor, id === null ? 'topic.create' : 'topic.update', async (run) => {
    const before = await topicSnapshot(run.trx, id);
    if (id !== null && !before) throw notFound('Topic');
    const { value: input, fields: parsed } = submittedOver(submission, before);
    // Every problem at once: the form's own, then what the database says of the fields that parsed.
    const fields: FieldErrors = { ...parsed };
    if (!fields.name && (await nameTaken(run.trx, 'topics', input.name, id))) fields.name = 'Another topic has this name.';
    const [teamId] = (await namedIds(run.trx, 'teams', [input.team], fields, 'team')) ?? [];
    const skillIds = (await namedIds(run.trx, 'skills', input.skills.map((s) => s.name), fields, 'skills')) ?? [];
    const taken = fields.addresses || input.addresses.length === 0 ? [] : await run.trx.selectFrom('topic_addresses').select(['address', 'topic_id']).where('address', 'in', input.addresses).execute();
    const clash = taken.find((t) => t.topic_id !== id);
    if (clash) fields.addresses = `${clash.address} already leads to another topic.`;
    if (!fields.hidden && input.hidden && (await visibleTopicsBesides(run.trx, id)) === 0) fields.hidden = 'The form needs at least one topic that is not hidden.';
    refuseFields(fields, TEAM_LABELS);
    const values = { name: input.name, team_id: teamId!, default_priority: input.defaultPriority, hidden: input.hidden ? 1 : 0 };
    let topicId = id;
    if (topicId === null) {
      const fresh = await newIdPast(run.trx, 'topics');
      topicId = (await run.trx.insertInto('topics').values({ ...values, ...(fresh === null ? {} : { id: fresh }) }).returning('id').executeTakeFirstOrThrow()).id;
    } else {
      await run.trx.updateTable('topics').set(values).where('id', '=', topicId).execute();
      await run.trx.deleteFrom('topic_skills').where('topic_id', '=', topicId).execute();
      await run.trx.deleteFrom('topic_addresses').where('topic_id', '=', topicId).execute();
    }
    const finalId = topicId;
    if (skillIds.length > 0) {
      await run.trx.insertInto('topic_skills').values(skillIds.map((skill_id, i) => ({ topic_id: finalId, skill_id, optional_after_minutes: input.skills[i]!.optionalAfterMinutes }))).execute();
    }
    if (input.addresses.length > 0) await run.trx.insertInto('topic_addresses').values(input.addresses.map((address) => ({ address, topic_id: finalId }))).execute();
    return { value: finalId, subject: `topic:${finalId}`, before, after: await topicSnapshot(run.trx, finalId) };
  }));
}

/**
 * Deletes a topic; the last one on the form is kept (new tickets need one). Its tickets keep their
 * team and skills, and its id (as a deleted team's keep the team's): their pages and the export say
 * "(deleted topic)", not the "no topic" a cleared id would say (core/teams.ts topicText).
 */
export async function deleteTopic(ctx: ServiceContext, actor: AdminActor, topicId: number): Promise<void> {
  await topicsChanged(ctx, audited(ctx, actor, 'topic.delete', async (run) => {
    const before = await topicSnapshot(run.trx, topicId);
    if (!before) throw notFound('Topic');
    const inUse = topicDeletionConflict(before.name, { hidden: before.hidden, otherVisibleTopics: before.hidden ? 0 : await visibleTopicsBesides(run.trx, topicId) });
    if (inUse !== null) throw new DomainError('conflict', inUse);
    await run.trx.deleteFrom('topic_skills').where('topic_id', '=', topicId).execute();
    await run.trx.deleteFrom('topic_addresses').where('topic_id', '=', topicId).execute();
    await run.trx.deleteFrom('topics').where('id', '=', topicId).execute();
    return { value: undefined, subject: `topic:${topicId}`, before };
  }));
}

/** After a topic's change committed (or failed): intake reads the topics' names again (services/topicNames.ts). */
async function topicsChanged<T>(ctx: ServiceContext, change: Promise<T>): Promise<T> {
  try {
    return await change;
  } finally {
    ctx.topicNames?.forget();
  }
}

/**
 * The `?team=` filter of stats, the dashboard and the lists (§12): a team's name (any letter case)
 * or id; absent or empty: every team (null). An unknown team is a 400 naming `team`.
 */
export async function teamFilterOf(db: Db, raw: unknown): Promise<{ id: number; name: string } | null> {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return null;
  const team = typeof raw === 'string' ? await findTeamByNameOrId(db, raw.trim()) : undefined;
  if (!team) throw invalidInput({ team: 'No team has this name.' }, 'Unknown team.');
  return team;
}
