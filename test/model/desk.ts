/**
 * The real help desk the model is compared with: the real services on a real database (SQLite file
 * or PostgreSQL schema, one per test file), a clock that moves only when a command says so, one
 * admin, a few agents, three teams, two skills and topics needing them (§12). Between runs it is reset by hand to a known start, and `verify` says
 * where the database and the model differ and which of I1–I5 fails.
 */
import type { KyselyPlugin } from 'kysely';
import type { Dialect } from '../../src/db/connect.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { DomainError } from '../../src/core/errors.js';
import { storedSkillsOf } from '../../src/core/teams.js';
import { saveSettings, loadSettings } from '../../src/repositories/settings.js';
import { loadTeamWorld } from '../../src/repositories/teamState.js';
import { queueHead } from '../../src/repositories/tickets.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { createSkill, saveTeam, saveTopic, SUPPORT_TEAM_ID } from '../../src/services/teams.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { historyViolations, queueViolations, routedLoads } from '../support/invariants.js';
import { type ModelEvent, type ModelSettings, type Outcome, type QueueOrder, RoutingModel } from './model.js';

/** The agents of every run; more make runs slower and shrinking harder without new rules. */
export const AGENT_COUNT = 3;
/** SESSION_IDLE_MINUTES for login and the expiry job. */
export const IDLE_MINUTES = 480;

/** The teams (Support is there from the start) and skills of every run, named by index in the commands. */
export const TEAM_NAMES = ['Support', 'Billing', 'Servers'] as const;
export const SKILL_NAMES = ['German', 'Linux'] as const;
/**
 * The topics (the first, General, is there from the start): their team and skills by index, and
 * the inbound address that leads a mail to them (General has none: any other address leads there).
 */
export const TOPICS = [
  { name: 'General', team: 0, skills: [], address: null },
  { name: 'Allgemein', team: 0, skills: [0], address: 'hilfe@helpdesk.test' },
  { name: 'Invoices', team: 1, skills: [], address: 'billing@helpdesk.test' },
  { name: 'Servers', team: 2, skills: [1], address: 'servers@helpdesk.test' },
  { name: 'Server auf Deutsch', team: 2, skills: [0, 1], address: 'server@helpdesk.test' },
] as const;

export interface Desk {
  dialect: Dialect;
  database: TestDatabase;
  ctx: ServiceContext;
  clock: FakeClock;
  intake: TicketIntake;
  adminId: number;
  agentIds: number[];
  usernames: Map<number, string>;
  /** Ids of TEAM_NAMES, SKILL_NAMES and TOPICS, in their order. */
  teamIds: number[];
  skillIds: number[];
  topicIds: number[];
  /** Tickets up to this id belong to earlier runs (closed by hand at the reset). */
  afterTicketId: number;
  /** Events up to this id were already compared. */
  lastEventId: number;
}

/** An agent's teams and skills, as indexes into TEAM_NAMES and SKILL_NAMES. */
export interface Membership {
  teams: number[];
  skills: number[];
}

/** How a run starts: the settings, each agent's own capacity, teams and skills (everyone offline, nothing open). */
export interface DeskStart {
  settings: ModelSettings;
  capacities: (number | null)[];
  members: Membership[];
  /** Each team's own queue order, by index into TEAM_NAMES (null: the desk's); absent: every team the desk's. */
  teamOrders?: (QueueOrder | null)[];
}

/** `plugin`: seen by every query the services make (the interleaving tests' scheduling points). */
export async function openDesk(dialect: Dialect, plugin?: KyselyPlugin): Promise<Desk> {
  const database = await freshDatabase(dialect);
  const clock = new FakeClock();
  const handle = plugin ? { ...database.handle, db: database.handle.db.withPlugin(plugin) } : database.handle;
  const ctx: ServiceContext = { handle, clock, publicUrl: 'http://helpdesk.test' };
  const adminId = await addStaff(ctx, 'root', { role: 'admin' });
  const agentIds: number[] = [];
  const usernames = new Map<number, string>();
  for (let i = 0; i < AGENT_COUNT; i++) {
    const username = `agent${i}`;
    const id = await addStaff(ctx, username);
    agentIds.push(id);
    usernames.set(id, username);
  }
  const teamIds = [SUPPORT_TEAM_ID];
  for (const name of TEAM_NAMES.slice(1)) teamIds.push(await saveTeam(ctx, adminId, { name, overflowTeam: null, overflowAfterMinutes: null }));
  const skillIds: number[] = [];
  for (const name of SKILL_NAMES) skillIds.push(await createSkill(ctx, adminId, { name }));
  const topicIds = [1];
  for (const t of TOPICS.slice(1)) {
    const skills = t.skills.map((i) => ({ name: SKILL_NAMES[i]!, optionalAfterMinutes: null }));
    topicIds.push(await saveTopic(ctx, adminId, { name: t.name, team: TEAM_NAMES[t.team], skills, addresses: t.address === null ? [] : [t.address], hidden: false, defaultPriority: null }));
  }
  return { dialect, database, ctx, clock, intake: new TicketIntake(ctx), adminId, agentIds, usernames, teamIds, skillIds, topicIds, afterTicketId: 0, lastEventId: 0 };
}

/**
 * Puts the desk back to `start` and returns the model of that state: earlier tickets closed (they
 * are left out of every later check), sessions gone, agents offline and active, a day later.
 */
export async function resetDesk(desk: Desk, start: DeskStart): Promise<RoutingModel> {
  const db = desk.database.handle.db;
  desk.clock.advance(24 * 3600_000);
  const now = desk.clock.now();
  await db.updateTable('tickets').set({ status: 'closed', closed_at: now }).where('status', '=', 'open').execute();
  await db.deleteFrom('sessions').execute();
  await saveSettings(db, { ...DEFAULT_SETTINGS, ...start.settings });
  const model = new RoutingModel({ ...start.settings });
  for (const [i, teamId] of desk.teamIds.entries()) {
    const order = start.teamOrders?.[i] ?? null;
    await db.updateTable('teams').set({ queue_order: order }).where('id', '=', teamId).execute();
    model.teamOrders.set(teamId, order);
  }
  for (const [i, t] of TOPICS.entries()) model.topics.set(desk.topicIds[i]!, { id: desk.topicIds[i]!, teamId: desk.teamIds[t.team]!, skills: t.skills.map((s) => desk.skillIds[s]!) });
  await db.deleteFrom('team_members').where('user_id', 'in', desk.agentIds).execute();
  await db.deleteFrom('agent_skills').where('user_id', 'in', desk.agentIds).execute();
  for (const [i, id] of desk.agentIds.entries()) {
    const capacity = start.capacities[i] ?? null;
    const teams = ids(desk.teamIds, start.members[i]!.teams);
    const skills = ids(desk.skillIds, start.members[i]!.skills);
    await db.updateTable('users').set({ active: 1, presence: 'offline', capacity, last_assigned_at: null }).where('id', '=', id).execute();
    if (teams.length > 0) await db.insertInto('team_members').values(teams.map((team_id) => ({ team_id, user_id: id }))).execute();
    if (skills.length > 0) await db.insertInto('agent_skills').values(skills.map((skill_id) => ({ skill_id, user_id: id }))).execute();
    model.agents.set(id, { id, username: desk.usernames.get(id)!, active: true, presence: 'offline', ownCapacity: capacity, lastAssignedAt: null, sessions: new Map(), teams, skills });
  }
  const last = await db.selectFrom('tickets').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  desk.afterTicketId = Number(last?.id ?? 0);
  desk.lastEventId = await lastEventIdOf(desk);
  model.begin(now);
  return model;
}

/** The ids at these indexes, ascending. */
export function ids(all: readonly number[], indexes: readonly number[]): number[] {
  return indexes.map((i) => all[i]!).sort((a, b) => a - b);
}

/** Runs a service call and tells what it answered: done, or refused with a domain error's code. */
export async function attempt<T>(call: () => Promise<T>): Promise<{ outcome: Outcome; value?: T }> {
  try {
    return { outcome: { ok: true }, value: await call() };
  } catch (error) {
    if (error instanceof DomainError) return { outcome: { ok: false, code: error.code } };
    throw error;
  }
}

export function outcomeText(outcome: Outcome): string {
  return outcome.ok ? `ok${outcome.changed === undefined ? '' : outcome.changed ? ' (changed)' : ' (unchanged)'}` : `refused: ${outcome.code}`;
}

/** Each agent's open count, for I2 across one step. */
/** What I2 is judged against after a step: each agent's open tickets and capacity, and the default capacity, before it. */
export interface StepStart {
  loads: Map<number, { openCount: number; capacity: number }>;
  defaultCapacity: number;
}

export async function stepStart(desk: Desk): Promise<StepStart> {
  const db = desk.database.handle.db;
  const [loads, settings] = await Promise.all([routedLoads(db), loadSettings(db)]);
  return { loads: new Map(loads.map((a) => [a.id, { openCount: a.openCount, capacity: a.capacity }])), defaultCapacity: settings.defaultCapacity };
}

/** What a step's calls did that lets an agent end above its capacity lawfully. */
export interface StepLicences {
  /** The agents an admin's reassignment gave one ticket each (R6 may exceed capacity). */
  r6Targets: readonly (number | undefined)[];
  /** The capacities the calls set: an agent's own (null: back to the default) or the default's. */
  capacities: readonly (CapacityChange | undefined)[];
}

export type CapacityChange = { agentId: number; capacity: number | null } | { agentId: 'default'; capacity: number };

const eventText = (e: ModelEvent) => `HD-${e.ticketId} ${e.type} ${e.from ?? 'queue'}→${e.to ?? 'queue'}`;

/** The newest event's id (events after it belong to the next step). */
async function lastEventIdOf(desk: Desk): Promise<number> {
  const row = await desk.database.handle.db.selectFrom('ticket_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Where the database differs from the model, and which invariants fail (see differences and
 * invariantViolations); then the step's events count as compared. Empty when all agree.
 */
export async function verify(desk: Desk, model: RoutingModel, before: StepStart, licences: StepLicences): Promise<string[]> {
  const problems = [...(await differences(desk, model)), ...(await invariantViolations(desk, before, licences))];
  desk.lastEventId = await lastEventIdOf(desk);
  return problems;
}

/**
 * Everything in which the database differs from the model: agents (presence, activity, capacity,
 * last assignment, sessions), tickets (status, agent, created_at, SLA due), the queue in its order,
 * the settings, and the events written since the last step (as a set: one step's own order is not
 * compared). Reads only.
 */
export async function differences(desk: Desk, model: RoutingModel): Promise<string[]> {
  const db = desk.database.handle.db;
  const problems: string[] = [];
  const differ = (what: string, real: unknown, expected: unknown) => {
    if (JSON.stringify(real) !== JSON.stringify(expected)) problems.push(`${what}: database ${JSON.stringify(real)}, model ${JSON.stringify(expected)}`);
  };

  const users = await db.selectFrom('users').select(['id', 'active', 'presence', 'capacity', 'last_assigned_at']).where('id', 'in', desk.agentIds).orderBy('id').execute();
  const sessions = await db.selectFrom('sessions').select(['user_id']).execute();
  const members = await db.selectFrom('team_members').select(['user_id', 'team_id']).where('user_id', 'in', desk.agentIds).orderBy('team_id').execute();
  const skills = await db.selectFrom('agent_skills').select(['user_id', 'skill_id']).where('user_id', 'in', desk.agentIds).orderBy('skill_id').execute();
  for (const u of users) {
    const m = model.agents.get(u.id)!;
    const teamsOf = members.filter((t) => t.user_id === u.id).map((t) => t.team_id);
    const skillsOf = skills.filter((s) => s.user_id === u.id).map((s) => s.skill_id);
    differ(
      `agent ${u.id}`,
      { active: u.active === 1, presence: u.presence, capacity: u.capacity, lastAssignedAt: u.last_assigned_at, sessions: sessions.filter((s) => s.user_id === u.id).length, teams: teamsOf, skills: skillsOf },
      { active: m.active, presence: m.presence, capacity: m.ownCapacity, lastAssignedAt: m.lastAssignedAt, sessions: m.sessions.size, teams: m.teams, skills: m.skills },
    );
  }
  const tickets = await db
    .selectFrom('tickets')
    .select(['id', 'status', 'agent_id', 'created_at', 'sla_due_at', 'topic_id', 'team_id', 'follow_up_of', 'required_skills', 'close_due_at', 'close_requested_by'])
    .where('id', '>', desk.afterTicketId)
    .orderBy('id')
    .execute();
  const modelTickets = [...model.tickets.values()].sort((a, b) => a.id - b.id);
  differ(
    'tickets [id, status, agent, created, due, topic, team, follow-up of, skills, pending close]',
    tickets.map((t) => [
      ...[t.id, t.status, t.agent_id, t.created_at, t.sla_due_at, t.topic_id, t.team_id, t.follow_up_of],
      storedSkillsOf(t.required_skills).map((s) => s.id).sort((a, b) => a - b),
      t.close_due_at === null ? null : [t.close_due_at, t.close_requested_by],
    ]),
    modelTickets.map((t) => [
      ...[t.id, t.status, t.agentId, t.createdAt, t.slaDueAt, t.topicId, t.teamId, t.followUpOf],
      [...t.skills].sort((a, b) => a - b),
      t.closeDueAt === null ? null : [t.closeDueAt, t.closeRequestedBy],
    ]),
  );

  const settings = await loadSettings(db);
  differ('settings', { defaultCapacity: settings.defaultCapacity, queueOrder: settings.queueOrder, releaseOnLogout: settings.releaseOnLogout }, model.settings);
  const world = await loadTeamWorld(db);
  differ('team queue orders', desk.teamIds.map((id) => world.teams.get(id)?.queueOrder ?? null), desk.teamIds.map((id) => model.teamOrders.get(id) ?? null));
  const queue = await queueHead(db, { desk: settings.queueOrder, teams: world.teams }, 10_000);
  differ('queue', queue.map((t) => t.id), model.queue().map((t) => t.id));

  const events = await db
    .selectFrom('ticket_events')
    .select(['ticket_id', 'type', 'from_agent_id', 'to_agent_id'])
    .where('id', '>', desk.lastEventId)
    .orderBy('id')
    .execute();
  const realEvents = events.map((e) => eventText({ ticketId: e.ticket_id, type: e.type as ModelEvent['type'], from: e.from_agent_id, to: e.to_agent_id })).sort();
  differ('events of this step', realEvents, model.events.map(eventText).sort());
  return problems;
}

/**
 * I1 and I4 by the events' story and the outbox (historyViolations); I2 across the step: an agent
 * above its capacity got there by no routing; I3. (I5, every accepted ticket stored, is the
 * tickets' comparison with the model.) Empty when all hold.
 *
 * The most an agent may hold after the step: routing fills it up to the highest capacity it had
 * while the step ran (before, after, or one a call set meanwhile; nothing when it already held
 * that many), and each admin's reassignment to it (R6) adds one beyond. Whatever their order:
 * routing then a move (capacity 1: 0 → 1 → 2), or routing at capacity 2 then the default lowered
 * to 1, are as lawful as the other way round. Routing past a capacity in force at that moment
 * leaves a state no serial order of the calls gives, which the interleavings' serial-order check
 * catches (and a sequence's step is one call, compared with the model).
 */
export async function invariantViolations(desk: Desk, before: StepStart, licences: StepLicences): Promise<string[]> {
  const db = desk.database.handle.db;
  const problems: string[] = [];
  const [loads, settings] = await Promise.all([routedLoads(db), loadSettings(db)]);
  const changes = licences.capacities.filter((c): c is CapacityChange => c !== undefined);
  const defaults = [before.defaultCapacity, settings.defaultCapacity, ...changes.flatMap((c) => (c.agentId === 'default' ? [c.capacity] : []))];
  for (const a of loads) {
    const start = before.loads.get(a.id) ?? { openCount: 0, capacity: 0 };
    // A default set in the step may have been the capacity of anyone on the default meanwhile.
    const setMeanwhile = changes.flatMap((c) => (c.agentId === 'default' ? [c.capacity] : c.agentId === a.id ? (c.capacity === null ? defaults : [c.capacity]) : []));
    const ceiling = Math.max(start.capacity, a.capacity, ...setMeanwhile);
    const allowed = Math.max(start.openCount, ceiling) + licences.r6Targets.filter((t) => t === a.id).length;
    if (a.openCount > allowed) problems.push(`I2: routing took agent ${a.id} from ${start.openCount} to ${a.openCount} open tickets, above its capacity ${ceiling}`);
  }
  problems.push(...(await queueViolations(db, loads)), ...(await historyViolations(db, { afterTicketId: desk.afterTicketId })));
  return problems;
}
