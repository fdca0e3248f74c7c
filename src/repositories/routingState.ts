/**
 * What a routing transaction starts from. Read inside the routing lock, so every round trip here is
 * time the next routing transaction waits: loadRoutingState reads it all in one query.
 */
import { type CompiledQuery, type ExpressionBuilder, type InferResult, PostgresAdapter, sql } from 'kysely';
import type { AgentLoad } from '../core/routing.js';
import type { TeamWorld, TopicRule } from '../core/teams.js';
import type { Settings } from '../core/settings.js';
import type { Db } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { settingsFromRow } from './settings.js';
import { membershipPairsSql, skillPairsSql, teamClocksSql, teamRulesSql, topicRulesOf, topicRulesSql, worldOf } from './teamState.js';
import { type ActiveEndpoint, activeEndpointsOf, activeEndpointsSql } from './webhooks.js';

// Literals, so SQLite matches the partial indexes' `where status = 'open'` (with a bound parameter
// it cannot, and counted each agent's open tickets by walking every ticket it ever had).
const OPEN = sql.lit<'open'>('open');

/** An agent's open tickets, counted in the index of open tickets by agent. */
function openCount(eb: ExpressionBuilder<Database & { u: Database['users'] }, 'u'>) {
  return eb.selectFrom('tickets as t').select(eb.fn.countAll<number>().as('n')).whereRef('t.agent_id', '=', 'u.id').where('t.status', '=', OPEN).as('open_count');
}

interface AgentColumns {
  id: number;
  presence: AgentLoad['presence'];
  capacity: number | null;
  last_assigned_at: number | null;
  open_count: number | null;
}

function agentLoadOf(row: AgentColumns, defaultCapacity: number): AgentLoad {
  return {
    id: row.id,
    presence: row.presence,
    capacity: row.capacity ?? defaultCapacity,
    openCount: Number(row.open_count ?? 0),
    lastAssignedAt: row.last_assigned_at,
  };
}

/**
 * Every active agent with its open-ticket count, as routing sees it, ordered by id. Admins are
 * never routed tickets, so they are not here.
 */
export async function loadAgentLoads(db: Db, defaultCapacity: number): Promise<AgentLoad[]> {
  const rows = await db
    .selectFrom('users as u')
    .select((eb) => ['u.id', 'u.presence', 'u.capacity', 'u.last_assigned_at', openCount(eb)])
    .where('u.role', '=', 'agent')
    .where('u.active', '=', 1)
    .orderBy('u.id')
    .execute();
  return rows.map((r) => agentLoadOf(r, defaultCapacity));
}

export interface RoutingState {
  settings: Settings;
  /** The version of the settings' SLA calendar in force; null: 24/7. */
  calendarVersionId: number | null;
  agents: AgentLoad[];
  /** The agents' display names (for the emails that name them). */
  agentNames: Map<number, string>;
  /** The agents' usernames (for the API's answers that name them). */
  agentUsernames: Map<number, string>;
  /** Whether any ticket is pending (the queue is not empty). */
  queueWaiting: boolean;
  /** The teams' rules and every active agent's teams and skills (§12). */
  world: TeamWorld;
  /** Whether a waiting ticket has a routing moment due at `now` (a skill turned optional, an overflow opened). */
  routingDue: boolean;
  /**
   * On PostgreSQL, the ticket ids reserved for the tickets this transaction will create (from the
   * tickets' sequence, ascending, at least as many as announced; lost if unused, like any
   * nextval); on SQLite, or when none were asked for, null: the ids come from the insert.
   */
  newTicketIds: number[] | null;
  /** The teams with an SLA calendar or targets of their own, as teamClocksSql's text (routing.ts resolves their calendars). */
  teamClocks: string | null;
  /** Every topic with its skills when new tickets were announced (intake routes them by topic), else empty. */
  topics: TopicRule[];
  /** The active webhook endpoints (whom the run's changes are told to, §13). */
  webhookEndpoints: ActiveEndpoint[];
}

/**
 * Every active agent as one JSON text, an array per agent (AgentJson): id, presence, capacity,
 * last_assigned_at, display_name, username, and open_count (counted in the index of open tickets by
 * agent). Arrays, not objects: the keys were half the text, and building and parsing them a third
 * of the query's cost with 100 agents. The agents' teams and skills come beside it, each as one
 * list of pairs (teamState.ts). One aggregate, so the state query answers one row however many
 * agents there are: the settings and the other once-only values are not repeated on a row per
 * agent (with 100 agents, 150 kB per routing transaction for the client to read and parse).
 * - PostgreSQL: the open counts are a grouped scan joined on the agent; as a subplan per agent,
 *   the aggregate (with the lists, then) took 1.7 ms with 100 agents, this way 0.45 ms.
 * - SQLite: a subquery per agent (index lookups in-process; the grouped form builds an automatic
 *   index and took 4× as long).
 */
function agentsSql(pg: boolean) {
  const agent = sql`u.id, u.presence, u.capacity, u.last_assigned_at, u.display_name, u.username`;
  const active = sql`u.role = 'agent' and u.active = 1`;
  if (pg) {
    return sql<string | null>`(select json_agg(json_build_array(${agent}, coalesce(oc.n, 0)))::text
      from users u
      left join (select t.agent_id, count(*) as n from tickets t where t.status = ${OPEN} and t.agent_id is not null group by t.agent_id) oc on oc.agent_id = u.id
      where ${active})`;
  }
  const openCount = sql`(select count(*) from tickets t where t.agent_id = u.id and t.status = ${OPEN})`;
  return sql<string | null>`(select json_group_array(json_array(${agent}, ${openCount})) from users u where ${active})`;
}

/** One agent of agentsSql's text: [id, presence, capacity, last_assigned_at, display_name, username, open_count]. */
type AgentJson = [
  id: number,
  presence: AgentLoad['presence'],
  capacity: number | null,
  lastAssignedAt: number | null,
  displayName: string | null,
  username: string,
  openCount: number | string | null,
];

/**
 * The query of the routing state: the settings, every active agent's load, name, teams and skills,
 * the teams' overflow rules, whether the queue holds anything and the earliest routing moment of a
 * waiting ticket, the active webhook endpoints, and for intake (`newTickets` > 0) every topic with
 * its skills and (on PostgreSQL) at least `newTickets` ticket ids (reservedIds): one query of one
 * row, however many agents and teams there are (the settings row with the rest as subqueries,
 * each evaluated once). Compiled once per database and size of reservation.
 *
 * It has no parameters (its numbers are literals), so on PostgreSQL inRoutingTransaction can send
 * it in the round trip that begins the transaction and takes the lock: it needs nothing known only
 * once the lock is held (the instant is compared with the earliest routing moment afterwards).
 */
export function routingStateQuery(db: Db, newTickets = 0): CompiledQuery<RoutingStateRow> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const size = newTickets <= 0 ? 0 : pg ? reservedIds(newTickets) : 1;
  let compiled = compiledStates.get(db);
  if (!compiled) compiledStates.set(db, (compiled = new Map()));
  let query = compiled.get(size);
  if (!query) compiled.set(size, (query = stateSelect(db, size).compile()));
  return query;
}

const compiledStates = new WeakMap<Db, Map<number, CompiledQuery<RoutingStateRow>>>();

/**
 * How many ticket ids a transaction announcing `newTickets` reserves: the next power of two. The
 * state query is prepared once per text (inRoutingTransaction), so a count per batch size would be
 * up to a hundred statements on each connection; this is eight. The ids left over are skipped, as
 * any unused nextval is (ticket ids have gaps; nothing counts on them following each other).
 */
export function reservedIds(newTickets: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, newTickets)));
}

function stateSelect(db: Db, newTickets: number) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const reserve = newTickets > 0 && pg;
  return db
    .selectFrom('settings as s')
    .leftJoin('calendars as c', 'c.id', 's.calendar_id')
    .selectAll('s')
    .select((eb) => [
      'c.version_id as calendar_version_id',
      agentsSql(pg).as('agents'),
      eb.exists(eb.selectFrom('tickets as q').select('q.id').where('q.status', '=', OPEN).where('q.agent_id', 'is', null)).as('queue_waiting'),
      teamRulesSql(pg).as('team_rules'),
      teamClocksSql(pg).as('team_clocks'),
      membershipPairsSql(pg).as('memberships'),
      skillPairsSql(pg).as('agent_skills'),
      // Literals, so SQLite matches the partial index tickets_routing_due (its first entry is the minimum).
      sql<number | null>`(select min(d.routing_due_at) from tickets d where d.status = 'open' and d.agent_id is null and d.routing_due_at is not null)`.as('routing_due_at'),
      activeEndpointsSql(pg).as('webhook_endpoints'),
      (newTickets > 0 ? topicRulesSql(pg) : sql<string | null>`null`).as('topic_rules'),
      (reserve ? sql<number[] | null>`(select array_agg(nextval('tickets_id_seq')) from generate_series(1, ${sql.lit(reservedIds(newTickets))}))` : sql<number[] | null>`null`).as(
        'new_ticket_ids',
      ),
    ])
    .where('s.id', '=', sql.lit(1));
}

export type RoutingStateRow = InferResult<ReturnType<typeof stateSelect>>[number];

/** The routing state at `now` from the row of routingStateQuery (newTickets as asked of it). */
export function routingStateOf(first: RoutingStateRow | undefined, now: number, newTickets = 0): RoutingState {
  if (!first) throw new Error('the settings row is missing');
  const settings = settingsFromRow(first);
  const rows = (first.agents ? (JSON.parse(first.agents) as AgentJson[]) : []).sort((a, b) => a[0] - b[0]);
  const agents: AgentLoad[] = [];
  const agentNames = new Map<number, string>();
  const agentUsernames = new Map<number, string>();
  for (const [id, presence, capacity, lastAssignedAt, displayName, username, openCount] of rows) {
    agents.push(agentLoadOf({ id, presence, capacity, last_assigned_at: lastAssignedAt, open_count: Number(openCount ?? 0) }, settings.defaultCapacity));
    agentNames.set(id, displayName ?? '');
    agentUsernames.set(id, username);
  }
  const routingDueAt = first.routing_due_at === null ? null : Number(first.routing_due_at);
  const newTicketIds = newTickets > 0 && first.new_ticket_ids ? first.new_ticket_ids.map(Number).sort((a, b) => a - b) : null;
  return {
    settings,
    calendarVersionId: first.calendar_version_id ?? null,
    agents,
    agentNames,
    agentUsernames,
    // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
    queueWaiting: Boolean(Number(first.queue_waiting)),
    world: worldOf(first.team_rules, rows.map(([id]) => id), first.memberships, first.agent_skills),
    teamClocks: first.team_clocks ?? null,
    routingDue: routingDueAt !== null && routingDueAt <= now,
    newTicketIds,
    topics: topicRulesOf(first.topic_rules),
    webhookEndpoints: activeEndpointsOf(first.webhook_endpoints),
  };
}

/** The routing state at `now`, read in `db` (inside the routing lock for a decision). */
export async function loadRoutingState(db: Db, now: number, newTickets = 0): Promise<RoutingState> {
  const { rows } = await db.executeQuery(routingStateQuery(db, newTickets));
  return routingStateOf(rows[0], now, newTickets);
}
