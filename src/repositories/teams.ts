/** Teams, topics and skills as the admin API and pages list them (§12). */
import { targetsFromText, teamCalendarJson, teamCalendarOf, type TeamSlaJson, teamTargetsJson } from '../core/teamSla.js';
import { idOfDigits, rowNamed } from '../core/checked.js';
import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../db/connect.js';

/** A team; its own SLA calendar (an id or `24/7`) and targets, each null for the desk's (core/teamSla.ts). */
export interface TeamListing extends TeamSlaJson {
  id: number;
  name: string;
  overflow_team: string | null;
  overflow_after_minutes: number | null;
  /** Its own queue order; null: the desk's setting. */
  queue_order: 'oldest' | 'deadline' | null;
  members: string[];
}

/**
 * The id a new team or topic is given: past every id one ever had. A deleted team's closed tickets,
 * and a deleted topic's tickets, keep its id, so a new team or topic given that id would take them
 * over (a team with their figures and their customers' ratings, §12, §13; a topic on their pages and
 * in the export). PostgreSQL's sequence never gives an id twice: null there (the default). SQLite
 * gives a new row the largest id in the table plus one, which is a deleted one's when it was the
 * newest, so the tickets' largest id of the kind counts too (for teams by the index tickets_by_team;
 * for topics a walk of the tickets, which a topic's creation, rare and by an admin, can afford).
 */
export async function newIdPast(db: Db, table: 'teams' | 'topics'): Promise<number | null> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return null;
  const column = sql.ref(table === 'teams' ? 'team_id' : 'topic_id');
  const { rows } = await sql<{ id: number }>`select max(coalesce((select max(id) from ${sql.table(table)}), 0), coalesce((select max(${column}) from tickets), 0)) + 1 as id`.execute(db);
  return Number(rows[0]!.id);
}

export async function listTeams(db: Db, only?: number): Promise<TeamListing[]> {
  const [teams, members] = await Promise.all([
    db
      .selectFrom('teams as t')
      .leftJoin('teams as o', 'o.id', 't.overflow_team_id')
      .select(['t.id', 't.name', 't.own_calendar', 't.calendar_id', 't.sla_targets', 'o.name as overflow_team', 't.overflow_after_minutes', 't.queue_order'])
      .$if(only !== undefined, (q) => q.where('t.id', '=', only!))
      .orderBy('t.id')
      .execute(),
    db
      .selectFrom('team_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.team_id', 'u.username'])
      .$if(only !== undefined, (q) => q.where('m.team_id', '=', only!))
      .orderBy('u.username')
      .execute(),
  ]);
  return teams.map(({ own_calendar, calendar_id, sla_targets, ...t }) => ({
    id: t.id,
    name: t.name,
    calendar: teamCalendarJson(teamCalendarOf({ own_calendar, calendar_id })),
    sla: teamTargetsJson(targetsFromText(sla_targets)),
    overflow_team: t.overflow_team,
    overflow_after_minutes: t.overflow_after_minutes,
    queue_order: t.queue_order,
    members: members.filter((m) => m.team_id === t.id).map((m) => m.username),
  }));
}

export interface TopicListing {
  id: number;
  name: string;
  team: string;
  skills: { name: string; optional_after_minutes: number | null }[];
  addresses: string[];
  hidden: boolean;
  default_priority: 'high' | 'medium' | 'low' | null;
}

export async function listTopics(db: Db, only?: number): Promise<TopicListing[]> {
  const [topics, skills, addresses] = await Promise.all([
    db
      .selectFrom('topics as t')
      .innerJoin('teams as tm', 'tm.id', 't.team_id')
      .select(['t.id', 't.name', 'tm.name as team', 't.hidden', 't.default_priority'])
      .$if(only !== undefined, (q) => q.where('t.id', '=', only!))
      .orderBy('t.id')
      .execute(),
    db
      .selectFrom('topic_skills as ts')
      .innerJoin('skills as s', 's.id', 'ts.skill_id')
      .select(['ts.topic_id', 's.name', 'ts.optional_after_minutes'])
      .$if(only !== undefined, (q) => q.where('ts.topic_id', '=', only!))
      .orderBy('s.name')
      .execute(),
    db
      .selectFrom('topic_addresses')
      .select(['topic_id', 'address'])
      .$if(only !== undefined, (q) => q.where('topic_id', '=', only!))
      .orderBy('address')
      .execute(),
  ]);
  return topics.map((t) => ({
    ...t,
    hidden: t.hidden === 1,
    skills: skills.filter((s) => s.topic_id === t.id).map((s) => ({ name: s.name, optional_after_minutes: s.optional_after_minutes })),
    addresses: addresses.filter((a) => a.topic_id === t.id).map((a) => a.address),
  }));
}

export async function listSkills(db: Db): Promise<{ id: number; name: string; agents: string[] }[]> {
  const [skills, holders] = await Promise.all([
    db.selectFrom('skills').select(['id', 'name']).orderBy('name').execute(),
    db.selectFrom('agent_skills as a').innerJoin('users as u', 'u.id', 'a.user_id').select(['a.skill_id', 'u.username']).orderBy('u.username').execute(),
  ]);
  return skills.map((s) => ({ ...s, agents: holders.filter((h) => h.skill_id === s.id).map((h) => h.username) }));
}

/** Every agent, for a team's member boxes (deactivated ones too: saving the form keeps them). */
export async function agentChoices(db: Db): Promise<{ username: string; display_name: string; active: number }[]> {
  return db.selectFrom('users').select(['username', 'display_name', 'active']).where('role', '=', 'agent').orderBy('username').execute();
}

/**
 * The team named `named` in any letter case, or with that id; undefined when there is none. Names
 * are compared here, as the save's uniqueness check compares them: SQLite's lower() folds only
 * ASCII, so `Ärger` never matched `lower(name)` there (teams are few: all are read).
 */
export async function findTeamByNameOrId(db: Db, named: string): Promise<{ id: number; name: string } | undefined> {
  const id = idOfDigits(named);
  const query = db.selectFrom('teams').select(['id', 'name']);
  if (id !== null) return query.where('id', '=', id).executeTakeFirst();
  return rowNamed(await query.execute(), named);
}

/** Every team's name, in id order (Support first): the dashboard's team filter. */
export async function listTeamNames(db: Db): Promise<string[]> {
  return (await db.selectFrom('teams').select('name').orderBy('id').execute()).map((t) => t.name);
}
