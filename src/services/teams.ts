/**
 * Admin changes to teams, skills, memberships and topics (§12). Each runs as a routing transaction:
 * who may take what changes with them, so the drain that ends every routing transaction hands
 * waiting tickets to whoever may now take them (team-I3), and no routing decision in another
 * process sees half a change. Bad input is a 400 naming the field, and changes nothing.
 */
import { invalidInput, notFound } from '../core/errors.js';
import { labelled } from '../core/fieldErrors.js';
import { TEAM_LABELS, type TeamInput, type TopicInput, parseName, parseNameList } from '../core/teamInput.js';
import { teamRule } from '../core/teams.js';
import type { Db } from '../db/connect.js';
import { loadTeamWorld } from '../repositories/teamState.js';
import { findUserById } from '../repositories/users.js';
import { type Acting, auditRun } from './audit.js';
import type { ServiceContext } from './context.js';
import { type RoutingRun, withRouting } from './routing.js';

/** The Support team: every agent joins it when created, and it cannot be deleted. */
export const SUPPORT_TEAM_ID = 1;

const refuse = (field: keyof typeof TEAM_LABELS, message: string) => invalidInput(labelled({ [field]: message }, TEAM_LABELS));

/** After a change of teams, skills or memberships, routing's view of them is read again. */
async function reloadWorld(run: RoutingRun): Promise<void> {
  run.world = await loadTeamWorld(run.trx);
  run.rule = teamRule(run.world, run.now);
  run.queueWaiting = true;
}

async function teamIdsByName(db: Db, names: readonly string[], field: keyof typeof TEAM_LABELS): Promise<number[]> {
  if (names.length === 0) return [];
  const rows = await db.selectFrom('teams').select(['id', 'name']).execute();
  return names.map((n) => {
    const found = rows.find((r) => r.name.toLowerCase() === n.toLowerCase());
    if (!found) throw refuse(field, `No team is named “${n}”.`);
    return found.id;
  });
}

async function skillIdsByName(db: Db, names: readonly string[]): Promise<number[]> {
  if (names.length === 0) return [];
  const rows = await db.selectFrom('skills').select(['id', 'name']).execute();
  return names.map((n) => {
    const found = rows.find((r) => r.name.toLowerCase() === n.toLowerCase());
    if (!found) throw refuse('skills', `No skill is named “${n}”.`);
    return found.id;
  });
}

async function nameTaken(db: Db, table: 'teams' | 'skills' | 'topics', name: string, exceptId: number | null): Promise<boolean> {
  const rows = await db.selectFrom(table).select(['id', 'name']).execute();
  return rows.some((r) => r.name.toLowerCase() === name.toLowerCase() && r.id !== exceptId);
}

/** An agent's team and skill ids, as the audit log records them. */
async function membershipOf(db: Db, userId: number): Promise<{ team_ids: number[]; skill_ids: number[] }> {
  const [teams, skills] = await Promise.all([
    db.selectFrom('team_members').select('team_id').where('user_id', '=', userId).orderBy('team_id').execute(),
    db.selectFrom('agent_skills').select('skill_id').where('user_id', '=', userId).orderBy('skill_id').execute(),
  ]);
  return { team_ids: teams.map((t) => t.team_id), skill_ids: skills.map((s) => s.skill_id) };
}

/** A topic as the audit log records it (name, team, skills, addresses), or undefined. */
async function topicOf(db: Db, topicId: number) {
  const topic = await db.selectFrom('topics').select(['name', 'team_id']).where('id', '=', topicId).executeTakeFirst();
  if (!topic) return undefined;
  const [skills, addresses] = await Promise.all([
    db.selectFrom('topic_skills').select(['skill_id', 'optional_after_minutes']).where('topic_id', '=', topicId).orderBy('skill_id').execute(),
    db.selectFrom('topic_addresses').select('address').where('topic_id', '=', topicId).orderBy('address').execute(),
  ]);
  return { ...topic, skills, addresses: addresses.map((a) => a.address) };
}

/** Creates a team, or updates team `id`; returns its id. */
export async function saveTeam(ctx: ServiceContext, by: Acting, input: TeamInput, id: number | null = null): Promise<number> {
  return withRouting(ctx, by, async (run) => {
    if (await nameTaken(run.trx, 'teams', input.name, id)) throw refuse('name', 'Another team has this name.');
    const [overflow] = input.overflowTeam === null ? [null] : await teamIdsByName(run.trx, [input.overflowTeam], 'overflow_team');
    if (overflow !== null && overflow === id) throw refuse('overflow_team', 'A team cannot overflow into itself.');
    const values = { name: input.name, overflow_team_id: overflow ?? null, overflow_after_minutes: input.overflowAfterMinutes };
    let teamId = id;
    if (teamId === null) {
      teamId = (await run.trx.insertInto('teams').values({ ...values, created_at: run.now }).returning('id').executeTakeFirstOrThrow()).id;
      await auditRun(run, 'team.create', `team:${teamId}`, { after: values });
    } else {
      const before = await run.trx.selectFrom('teams').select(['name', 'overflow_team_id', 'overflow_after_minutes']).where('id', '=', teamId).executeTakeFirst();
      if (!before) throw notFound('Team');
      await run.trx.updateTable('teams').set(values).where('id', '=', teamId).execute();
      await auditRun(run, 'team.update', `team:${teamId}`, { before, after: values });
    }
    await reloadWorld(run);
    return teamId;
  });
}

/**
 * Deletes a team. Refused (400, changing nothing) for Support, for a team holding open tickets
 * (with their count: move or close them first), and for a team a topic routes to. Its closed
 * tickets keep its id and show no team.
 */
export async function deleteTeam(ctx: ServiceContext, by: Acting, teamId: number): Promise<void> {
  await withRouting(ctx, by, async (run) => {
    if (teamId === SUPPORT_TEAM_ID) throw refuse('team', 'Support holds every new agent and cannot be deleted.');
    const team = await run.trx.selectFrom('teams').select(['name', 'overflow_team_id', 'overflow_after_minutes']).where('id', '=', teamId).executeTakeFirst();
    if (!team) throw notFound('Team');
    const open = await run.trx.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).where('team_id', '=', teamId).where('status', '=', 'open').executeTakeFirstOrThrow();
    if (Number(open.n) > 0) throw refuse('team', `It holds ${Number(open.n)} open ticket${Number(open.n) === 1 ? '' : 's'}; close them or move them to another team first.`);
    const topics = await run.trx.selectFrom('topics').select('name').where('team_id', '=', teamId).execute();
    if (topics.length > 0) throw refuse('team', `Topics route to it (${topics.map((t) => t.name).join(', ')}); give them another team first.`);
    await run.trx.updateTable('teams').set({ overflow_team_id: null, overflow_after_minutes: null }).where('overflow_team_id', '=', teamId).execute();
    await run.trx.deleteFrom('team_members').where('team_id', '=', teamId).execute();
    await run.trx.deleteFrom('teams').where('id', '=', teamId).execute();
    await auditRun(run, 'team.delete', `team:${teamId}`, { before: team });
    await reloadWorld(run);
  });
}

/**
 * Sets an agent's teams and skills (by name). Unknown names are refused. An agent holding open
 * tickets keeps at least one team: taking its last team away is refused with their count (its
 * tickets would have nobody of their team able to be balanced or pulled to; see the README).
 */
export async function setAgentTeamsAndSkills(ctx: ServiceContext, by: Acting, userId: number, raw: { teams?: unknown; skills?: unknown }): Promise<void> {
  const teamNames = raw.teams === undefined ? undefined : parseNameList(raw.teams);
  const skillNames = raw.skills === undefined ? undefined : parseNameList(raw.skills);
  if (teamNames === undefined && raw.teams !== undefined) throw refuse('teams', 'Give a list of team names.');
  if (skillNames === undefined && raw.skills !== undefined) throw refuse('skills', 'Give a list of skill names.');
  await withRouting(ctx, by, async (run) => {
    const user = await findUserById(run.trx, userId);
    if (!user || user.role !== 'agent') throw notFound('Agent');
    const before = await membershipOf(run.trx, userId);
    if (teamNames !== undefined) {
      const teamIds = await teamIdsByName(run.trx, teamNames, 'teams');
      if (teamIds.length === 0) {
        const held = await run.trx.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).where('agent_id', '=', userId).where('status', '=', 'open').executeTakeFirstOrThrow();
        if (Number(held.n) > 0) throw refuse('teams', `The agent holds ${Number(held.n)} open ticket${Number(held.n) === 1 ? '' : 's'}; it keeps at least one team until they are closed or moved.`);
      }
      await run.trx.deleteFrom('team_members').where('user_id', '=', userId).execute();
      if (teamIds.length > 0) await run.trx.insertInto('team_members').values(teamIds.map((team_id) => ({ team_id, user_id: userId }))).execute();
    }
    if (skillNames !== undefined) {
      const skillIds = await skillIdsByName(run.trx, skillNames);
      await run.trx.deleteFrom('agent_skills').where('user_id', '=', userId).execute();
      if (skillIds.length > 0) await run.trx.insertInto('agent_skills').values(skillIds.map((skill_id) => ({ skill_id, user_id: userId }))).execute();
    }
    await auditRun(run, 'user.teams', `user:${userId}`, { before, after: await membershipOf(run.trx, userId) });
    await reloadWorld(run);
  });
}

/** Creates a skill; returns its id. */
export async function createSkill(ctx: ServiceContext, by: Acting, raw: { name?: unknown }): Promise<number> {
  const fields: Record<string, string> = {};
  const name = parseName(fields, raw.name, 64);
  if (fields.name) throw refuse('name', fields.name);
  return withRouting(ctx, by, async (run) => {
    if (await nameTaken(run.trx, 'skills', name, null)) throw refuse('name', 'Another skill has this name.');
    const { id } = await run.trx.insertInto('skills').values({ name }).returning('id').executeTakeFirstOrThrow();
    await auditRun(run, 'skill.create', `skill:${id}`, { after: { name } });
    return id;
  });
}

/** Deletes a skill nobody needs: refused while a topic requires it. Agents holding it lose it. */
export async function deleteSkill(ctx: ServiceContext, by: Acting, skillId: number): Promise<void> {
  await withRouting(ctx, by, async (run) => {
    const used = await run.trx.selectFrom('topic_skills').select('topic_id').where('skill_id', '=', skillId).executeTakeFirst();
    if (used) throw refuse('skills', 'A topic requires this skill; take it off the topic first.');
    const skill = await run.trx.selectFrom('skills').select('name').where('id', '=', skillId).executeTakeFirst();
    if (!skill) throw notFound('Skill');
    await run.trx.deleteFrom('agent_skills').where('skill_id', '=', skillId).execute();
    await run.trx.deleteFrom('skills').where('id', '=', skillId).execute();
    await auditRun(run, 'skill.delete', `skill:${skillId}`, { before: skill });
    await reloadWorld(run);
  });
}

/** Creates a topic, or updates topic `id` (new tickets only: tickets keep the skills they were created with). */
export async function saveTopic(ctx: ServiceContext, by: Acting, input: TopicInput, id: number | null = null): Promise<number> {
  return withRouting(ctx, by, async (run) => {
    if (await nameTaken(run.trx, 'topics', input.name, id)) throw refuse('name', 'Another topic has this name.');
    const [teamId] = await teamIdsByName(run.trx, [input.team], 'team');
    const skillIds = await skillIdsByName(run.trx, input.skills.map((s) => s.name));
    const taken = input.addresses.length === 0 ? [] : await run.trx.selectFrom('topic_addresses').select(['address', 'topic_id']).where('address', 'in', input.addresses).execute();
    const clash = taken.find((t) => t.topic_id !== id);
    if (clash) throw refuse('addresses', `${clash.address} already leads to another topic.`);
    let topicId = id;
    const before = id === null ? undefined : await topicOf(run.trx, id);
    if (topicId === null) {
      topicId = (await run.trx.insertInto('topics').values({ name: input.name, team_id: teamId!, default_priority: null }).returning('id').executeTakeFirstOrThrow()).id;
    } else {
      const updated = await run.trx.updateTable('topics').set({ name: input.name, team_id: teamId! }).where('id', '=', topicId).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw notFound('Topic');
      await run.trx.deleteFrom('topic_skills').where('topic_id', '=', topicId).execute();
      await run.trx.deleteFrom('topic_addresses').where('topic_id', '=', topicId).execute();
    }
    const finalId = topicId;
    if (skillIds.length > 0) {
      await run.trx.insertInto('topic_skills').values(skillIds.map((skill_id, i) => ({ topic_id: finalId, skill_id, optional_after_minutes: input.skills[i]!.optionalAfterMinutes }))).execute();
    }
    if (input.addresses.length > 0) await run.trx.insertInto('topic_addresses').values(input.addresses.map((address) => ({ address, topic_id: finalId }))).execute();
    await auditRun(run, id === null ? 'topic.create' : 'topic.update', `topic:${finalId}`, { before, after: await topicOf(run.trx, finalId) });
    return finalId;
  });
}

/** Deletes a topic; the last one is kept (new tickets need one). Its tickets keep their team and skills. */
export async function deleteTopic(ctx: ServiceContext, by: Acting, topicId: number): Promise<void> {
  await withRouting(ctx, by, async (run) => {
    const count = await run.trx.selectFrom('topics').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const topic = await topicOf(run.trx, topicId);
    if (!topic) throw notFound('Topic');
    if (Number(count.n) <= 1) throw refuse('name', 'The last topic cannot be deleted: new tickets need one.');
    await run.trx.deleteFrom('topic_skills').where('topic_id', '=', topicId).execute();
    await run.trx.deleteFrom('topic_addresses').where('topic_id', '=', topicId).execute();
    await run.trx.updateTable('tickets').set({ topic_id: null }).where('topic_id', '=', topicId).execute();
    await run.trx.deleteFrom('topics').where('id', '=', topicId).execute();
    await auditRun(run, 'topic.delete', `topic:${topicId}`, { before: topic });
  });
}
