/**
 * Bulk-loads a helpdesk with N tickets in seconds, for the scaling benchmarks (and anyone who needs
 * a big database): one INSERT … SELECT over a generated series per table, computed by the database
 * itself (SQLite: a recursive CTE inside one transaction; PostgreSQL: generate_series, then VACUUM
 * ANALYZE as autovacuum would have done on a long-lived database).
 *
 * The mix (deterministic: ticket i always gets the same values):
 * - users: `admin` (id 1); `agents` working agents `agent001…` (available and logged in, each holding exactly
 *   `capacity` open tickets, as I3 requires while tickets wait); `freshAgents` agents `fresh001…`
 *   (offline, no tickets: each can log in once and pull from the queue);
 * - tickets, created `stepMs` apart up to now, oldest first: the oldest `closedFraction` (80 %)
 *   closed by a working agent after a wait of 0–2 min plus 15 s–35 min of work; then
 *   agents × capacity open with their agents; the newest rest pending (the queue). Priorities
 *   20 % high, 50 % medium, 30 % low; SLA deadlines from the default limits; breaches as the
 *   monitor would have recorded them (closed after the deadline, or open past it);
 * - a third of the closed tickets rated by their customer (§13), one in four of those bad;
 * - events in time order: created, assigned, sla_breached, closed (about 3.4 per ticket);
 * - threads (§9): every ticket's description is its first message; every ticket an agent has
 *   handled (closed or open with an agent) continues with a reply, a customer answer, an internal
 *   note, a second reply and a last customer message (6 messages: 1M tickets hold 5M messages),
 *   spread over its working time; waiting_on and first_response_at follow from them;
 * - no outbox rows (sent emails would be pruned in practice; the pages measured never read them).
 *
 *   npm run bench:seed -- --db sqlite:/tmp/big.sqlite --tickets 1000000
 *   npm run bench:seed -- --db postgres://postgres@127.0.0.1:5432/big --tickets 1000000
 *   npm run bench:seed -- [--tickets 100000] [--dialects sqlite,postgres]
 *       (no --db: seeds a scratch database of each engine, prints the time beside the baseline of
 *       inserting as many bare rows into an unindexed table, and drops it)
 * Options: --agents 40 --capacity 5 --fresh-agents 20 --closed 0.8 --step-ms 60000.
 * The admin's password is `bench-admin-password`, every agent's `password123`.
 */
import { sql } from 'kysely';
import { connect, type DbHandle } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { rebuildSlaFigures } from '../src/db/migrations/2026-12-03T0900-sla-figures.js';
import { rebuildCsatSummary } from '../src/db/migrations/2026-12-04T1200-csat.js';
import { rebuildPendingTeamSummary } from '../src/db/migrations/2026-12-14T0900-pending-team-summary.js';
import { RESOLUTION_RANGES } from '../src/core/resolution-histogram.js';
import { DEFAULT_SLA } from '../src/core/sla.js';
import { rebuildSearchIndex } from '../src/repositories/searchIndex.js';
import { hashPassword } from '../src/services/passwords.js';
import { createBenchDatabase } from './lib/db.js';
import { flag, fmtMs, numberFlag, printTable } from './lib/report.js';

export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';
export const BENCH_AGENT_PASSWORD = 'password123';

export interface SeedOptions {
  tickets: number;
  /** Working agents: available and full (default 40). */
  agents?: number;
  /** Capacity of every agent (default 5). */
  capacity?: number;
  /** Offline agents without tickets, for login benchmarks (default 20). */
  freshAgents?: number;
  /** Share of closed tickets, the oldest (default 0.8). */
  closedFraction?: number;
  /** Milliseconds between two tickets' created_at (default 60 000: a million span two years). */
  stepMs?: number;
  /** The instant the newest ticket is just before (default Date.now()). */
  now?: number;
  /**
   * More pending tickets, created in one burst a second before `now` (ids N+1…N+burst), all low
   * priority and so all inside their SLA for an hour: a deep open backlog nobody has breached yet
   * (default 0).
   */
  burst?: number;
  /**
   * Build the search index after the load, as `npm run search:reindex` would (default true; at 1M
   * it is most of the seed's time). false leaves it empty, like a bulk load nobody has reindexed
   * yet: for benches whose pages never search (bench:export of every ticket).
   */
  searchIndex?: boolean;
}

export interface SeedResult {
  ms: number;
  tickets: number;
  closed: number;
  assigned: number;
  pending: number;
  events: number;
  messages: number;
  adminId: number;
  agentIds: number[];
  freshAgentIds: number[];
  /** created_at of the oldest ticket. */
  firstCreatedAt: number;
  /** Of `ms`: building the search index (repositories/searchIndex.ts) after the load; 0 when not built. */
  searchIndexMs: number;
}

/**
 * Seeds an empty, migrated database (throws if it already has tickets or users). Ticket ids are
 * 1..N in creation order.
 */
export async function seed(handle: DbHandle, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const { db, dialect } = handle;
  const N = Math.floor(options.tickets);
  const A = options.agents ?? 40;
  const C = options.capacity ?? 5;
  const F = options.freshAgents ?? 20;
  const now = options.now ?? Date.now();
  const step = options.stepMs ?? 60_000;
  const closed = Math.floor(N * (options.closedFraction ?? 0.8));
  const assigned = Math.min(A * C, N - closed);
  const pending = N - closed - assigned;
  const B = Math.floor(options.burst ?? 0);
  const firstCreatedAt = now - (N + 1) * step;
  if (A < 1) throw new Error('at least one working agent');

  const existing = await sql<{ n: number }>`select (select count(*) from tickets) + (select count(*) from users) as n`.execute(db);
  if (Number(existing.rows[0]!.n) > 0) throw new Error('seed needs an empty database (no users, no tickets)');

  const [adminHash, agentHash] = [await hashPassword(BENCH_ADMIN_PASSWORD), await hashPassword(BENCH_AGENT_PASSWORD)];
  const agentIds = Array.from({ length: A }, (_, k) => 2 + k);
  const freshAgentIds = Array.from({ length: F }, (_, k) => 2 + A + k);

  const pad = (n: number) => String(n).padStart(3, '0');
  const users = [
    { id: 1, username: 'admin', display_name: 'Admin', email: 'admin@team.test', password_hash: adminHash, role: 'admin' as const, capacity: null, presence: 'offline' as const, last_assigned_at: null, active: 1, created_at: firstCreatedAt },
    ...agentIds.map((id, k) => ({ id, username: `agent${pad(k + 1)}`, display_name: `Agent ${k + 1}`, email: `agent${pad(k + 1)}@team.test`, password_hash: agentHash, role: 'agent' as const, capacity: C, presence: 'available' as const, last_assigned_at: now - 60_000 + k, active: 1, created_at: firstCreatedAt })),
    ...freshAgentIds.map((id, k) => ({ id, username: `fresh${pad(k + 1)}`, display_name: `Fresh ${k + 1}`, email: `fresh${pad(k + 1)}@team.test`, password_hash: agentHash, role: 'agent' as const, capacity: C, presence: 'offline' as const, last_assigned_at: null, active: 1, created_at: firstCreatedAt })),
  ];

  // Ticket i's values as SQL over the series column i (a 64-bit integer on both engines).
  const lit = (n: number) => sql.lit(n);
  const created = sql`(${lit(firstCreatedAt)} + i * ${lit(step)})`;
  const priority = sql`case when (i * 7919) % 100 < 20 then 'high' when (i * 7919) % 100 < 70 then 'medium' else 'low' end`;
  const limitMs = sql`case when (i * 7919) % 100 < 20 then ${lit(DEFAULT_SLA.high * 1000)} when (i * 7919) % 100 < 70 then ${lit(DEFAULT_SLA.medium * 1000)} else ${lit(DEFAULT_SLA.low * 1000)} end`;
  const waitMs = sql`((i * 31) % 120) * 1000`;
  const workMs = sql`(15000 + ((i * 104729) % 1000) * ((i * 104729) % 1000) * 2)`;
  const isClosed = sql`i <= ${lit(closed)}`;
  const isAssigned = sql`i <= ${lit(closed + assigned)}`;
  const agent = sql`case when ${isClosed} then 2 + i % ${lit(A)} when ${isAssigned} then 2 + (i - ${lit(closed + 1)}) % ${lit(A)} end`;
  const closedAt = sql`case when ${isClosed} then (case when ${created} + ${waitMs} + ${workMs} < ${lit(now - 1000)} then ${created} + ${waitMs} + ${workMs} else ${lit(now - 1000)} end) end`;
  const due = sql`(${created} + ${limitMs})`;
  const breachedAt = sql`case when (${isClosed} and ${closedAt} > ${due}) or (not (${isClosed}) and ${due} < ${lit(now)}) then ${due} + 400 end`;
  // A description of a few hundred characters, as customers write them.
  const description = sql`'Since this morning the thing described in the title does not work. I tried restarting it, checking the cables and asking a colleague. Nothing helped. Could you have a look? Order number ' || i || ', thank you.'`;
  const title = sql`case i % 4 when 0 then 'Printer will not print, job ' when 1 then 'Cannot log in to the portal, case ' when 2 then 'Invoice shows the wrong amount, no. ' else 'Delivery is late, order ' end || i`;

  // i from `first` to `last`: a recursive CTE on SQLite (the prefix), generate_series on PostgreSQL (the FROM).
  const seriesOf = (first: number, last: number) => ({
    series: dialect === 'postgres' ? sql`` : sql`with recursive s(i) as (select ${lit(first)} union all select i + 1 from s where i < ${lit(last)}) `,
    from: dialect === 'postgres' ? sql`from generate_series(${lit(first)}::bigint, ${lit(last)}::bigint) as s(i)` : sql`from s`,
  });
  const { series, from } = seriesOf(1, N);

  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const at = performance.now();
    phases[name] = at - mark;
    mark = at;
  };
  const load = async (trx: typeof db) => {
    // Bulk-load practice: drop the secondary indexes (their definitions read back from the
    // catalog, so indexes added by later migrations come back too), load, then build each index in
    // one sorted pass instead of a million random insertions. Constraint indexes stay.
    const indexes =
      dialect === 'postgres'
        ? (await sql<{ name: string; def: string }>`select i.indexname as name, i.indexdef as def from pg_indexes i
            where i.schemaname = current_schema() and i.tablename in ('tickets', 'ticket_events', 'messages')
              and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`.execute(trx)).rows
        : (await sql<{ name: string; def: string }>`select name, sql as def from sqlite_master where type = 'index' and tbl_name in ('tickets', 'ticket_events', 'messages') and sql is not null`.execute(trx)).rows;
    for (const index of indexes) await sql`drop index ${sql.id(index.name)}`.execute(trx);
    // Triggers too (SQLite; PostgreSQL's are off under the replica role below): derived tables
    // such as closed_ticket_summary and the search index are rebuilt once at the end instead of
    // row by row.
    const triggers =
      dialect === 'sqlite'
        ? (await sql<{ name: string; def: string }>`select name, sql as def from sqlite_master where type = 'trigger' and tbl_name in ('tickets', 'messages', 'attachments', 'inbound_mails')`.execute(trx)).rows
        : [];
    for (const trigger of triggers) await sql`drop trigger ${sql.id(trigger.name)}`.execute(trx);
    // The rows are consistent by construction: skip the per-row foreign-key triggers (superuser).
    if (dialect === 'postgres') await sql`set local maintenance_work_mem = '256MB'; set local session_replication_role = replica`.execute(trx);
    phase('drop indexes');
    await trx.insertInto('users').values(users).execute();
    // Every agent is in Support (§12): the users trigger does it, except on PostgreSQL here (replica role).
    const members = users.filter((u) => u.role === 'agent').map((u) => ({ team_id: 1, user_id: u.id }));
    if (members.length > 0) await trx.insertInto('team_members').values(members).onConflict((oc) => oc.doNothing()).execute();
    // Working agents are logged in: presence follows sessions, and a server's expiry job sets an
    // agent available with no session in use offline (README, "How routing works").
    if (agentIds.length > 0) await trx.insertInto('sessions').values(agentIds.map((id) => ({ id: `seed-session-${id}`, user_id: id, created_at: now, last_seen_at: now }))).execute();
    if (N === 0) {
      for (const trigger of triggers) await sql.raw(trigger.def).execute(trx);
      return indexes;
    }
    // The first reply comes a sixth of the way through the work (seedThreads); open tickets wait on their agent.
    const assignedAt = sql`(${created} + ${waitMs})`;
    const firstResponse = sql`case when ${isAssigned} then ${assignedAt} + ((case when ${isClosed} then ${closedAt} else ${lit(now - 1000)} end) - ${assignedAt}) * 1 / ${lit(THREAD_STEPS.length + 1)} end`;
    // §13: a third of the closed tickets rated by their customer an hour after the close, one in four of those bad.
    const rated = sql`${isClosed} and i % 3 = 0`;
    await sql`${series}insert into tickets (id, token, customer_name, customer_email, title, description, priority, status, agent_id, created_at, assigned_at, closed_at, sla_due_at, sla_breached_at, waiting_on, first_response_at, csat_score, csat_rated_at)
      select i, 'seed' || i || 'x' || ((i * 2654435761) % 4294967291), 'Customer ' || (i % 5000), 'customer' || (i % 50000) || '@example.com', ${title}, ${description},
        ${priority}, case when ${isClosed} then 'closed' else 'open' end, ${agent},
        ${created}, case when ${isAssigned} then ${assignedAt} end, ${closedAt}, ${due}, ${breachedAt},
        case when ${isClosed} then null else 'agent' end, ${firstResponse},
        case when ${rated} then (case when i % 4 = 0 then 'bad' else 'good' end) end, case when ${rated} then ${closedAt} + 3600000 end
      ${from}`.execute(trx);
    if (B > 0) {
      const burst = seriesOf(N + 1, N + B);
      const at = lit(now - 1000);
      await sql`${burst.series}insert into tickets (id, token, customer_name, customer_email, title, description, priority, status, agent_id, created_at, assigned_at, closed_at, sla_due_at, sla_breached_at, waiting_on, first_response_at)
        select i, 'seed' || i || 'x' || ((i * 2654435761) % 4294967291), 'Customer ' || (i % 5000), 'customer' || (i % 50000) || '@example.com', ${title}, ${description},
          'low', 'open', null, ${at}, null, null, ${at} + ${lit(DEFAULT_SLA.low * 1000)}, null, 'agent', null
        ${burst.from}`.execute(trx);
    }
    phase('tickets');
    // The four kinds of event, in the order they happened (ids grow with time, as in real life).
    await sql`insert into ticket_events (ticket_id, type, at, from_agent_id, to_agent_id, actor_id)
      select ticket_id, type, at, from_agent_id, to_agent_id, actor_id from (
        select id as ticket_id, 'created' as type, created_at as at, cast(null as integer) as from_agent_id, cast(null as integer) as to_agent_id, cast(null as integer) as actor_id, 0 as k from tickets
        union all select id, 'assigned', assigned_at, cast(null as integer), agent_id, cast(null as integer), 1 from tickets where assigned_at is not null
        union all select id, 'sla_breached', sla_breached_at, case when assigned_at <= sla_breached_at then agent_id end, case when assigned_at <= sla_breached_at then agent_id end, cast(null as integer), 2 from tickets where sla_breached_at is not null
        union all select id, 'closed', closed_at, agent_id, cast(null as integer), agent_id, 3 from tickets where status = 'closed'
      ) e order by at, ticket_id, k`.execute(trx);
    phase('events');
    await seedThreads(trx, now);
    phase('messages');
    await rebuildDerived(trx);
    for (const trigger of triggers) await sql.raw(trigger.def).execute(trx);
    phase('derived');
    return indexes;
  };
  const buildIndexes = async (trx: typeof db, indexes: { def: string }[]) => {
    for (const index of indexes) await sql.raw(index.def).execute(trx);
    phase('indexes');
  };

  if (dialect === 'sqlite') {
    await sql`pragma cache_size = -524288`.execute(db);
    await sql`pragma temp_store = memory`.execute(db);
    await sql`pragma threads = 2`.execute(db);
    // Consistent by construction: no per-row foreign-key lookups (the pragma only works outside a transaction).
    await sql`pragma foreign_keys = off`.execute(db);
    // Indexes built after the rows are committed read them from the file, not from the
    // transaction's spilled pages: 14 s instead of 20 s on a million tickets.
    const indexes = await db.transaction().execute(load);
    await db.transaction().execute((trx) => buildIndexes(trx, indexes));
    await sql`pragma foreign_keys = on`.execute(db);
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
  } else {
    await db.transaction().execute(async (trx) => buildIndexes(trx, await load(trx)));
    await sql`select setval(pg_get_serial_sequence('tickets', 'id'), ${lit(N + B + 1)}, false), setval(pg_get_serial_sequence('users', 'id'), ${lit(2 + A + F)}, false)`.execute(db);
    await sql`select setval(pg_get_serial_sequence('messages', 'id'), (select coalesce(max(id), 0) + 1 from messages), false)`.execute(db);
    await sql`vacuum analyze tickets, ticket_events, users, messages`.execute(db);
  }
  phase('vacuum/checkpoint');
  // The search index (issue 21) from the loaded rows, as `npm run search:reindex` builds it.
  const searchIndexMs = options.searchIndex === false ? 0 : (await rebuildSearchIndex(handle)).ms;
  phase('search index');
  if (process.env.BENCH_VERBOSE) console.log(`seed phases (${dialect}):`, Object.entries(phases).map(([k, v]) => `${k} ${fmtMs(v)}`).join(', '));
  const events = Number((await sql<{ n: number }>`select count(*) as n from ticket_events`.execute(db)).rows[0]!.n);
  const messages = Number((await sql<{ n: number }>`select count(*) as n from messages`.execute(db)).rows[0]!.n);
  return { ms: performance.now() - started, tickets: N + B, closed, assigned, pending: pending + B, events, messages, adminId: 1, agentIds, freshAgentIds, firstCreatedAt, searchIndexMs };
}

/** The five messages after the description of a handled ticket, in order: kind and who writes. */
const THREAD_STEPS = ['reply', 'customer', 'note', 'reply', 'customer'] as const;

/**
 * Every ticket's first message (its description), then THREAD_STEPS for each ticket with an agent,
 * spread evenly between assignment and closing (or now), in time order so ids grow with time as in
 * real life (the tickets' waiting_on and first_response_at are written with them to match).
 */
async function seedThreads(db: DbHandle['db'], now: number): Promise<void> {
  const steps = THREAD_STEPS.map((kind, k) => sql`select ${sql.lit(k + 1)} as k, ${sql.lit(kind)} as kind`);
  const end = sql`coalesce(t.closed_at, ${sql.lit(now - 1000)})`;
  const at = sql`t.assigned_at + (${end} - t.assigned_at) * s.k / ${sql.lit(THREAD_STEPS.length + 1)}`;
  const body = sql`case s.kind when 'reply' then 'Thank you for writing. Could you tell us which model it is and what the display shows? We will sort it out today.'
    when 'note' then 'Internal: checked the account, nothing unusual; asked the customer for the model.'
    else 'It is the model from the order; the display shows error 42. Thanks for looking into it.' end`;
  await sql`insert into messages (ticket_id, kind, author_id, author_name, body, channel, automatic, created_at)
    select ticket_id, kind, author_id, author_name, body, channel, 0, created_at from (
      select t.id as ticket_id, 'customer' as kind, cast(null as integer) as author_id, t.customer_name as author_name, t.description as body, 'web' as channel, t.created_at, 0 as k from tickets t
      union all
      select t.id, s.kind, case when s.kind = 'customer' then null else t.agent_id end, case when s.kind = 'customer' then t.customer_name else 'Agent ' || (t.agent_id - 1) end,
        ${body}, 'web', ${at}, s.k
      from tickets t cross join (${sql.join(steps, sql` union all `)}) s where t.agent_id is not null
    ) m order by created_at, ticket_id, k`.execute(db);
}

/** Tables the schema derives from tickets (by triggers), recomputed from the tickets. */
async function rebuildDerived(db: DbHandle['db']): Promise<void> {
  await sql`delete from closed_ticket_summary`.execute(db);
  await sql`insert into closed_ticket_summary (agent_id, priority, late, closed, resolved, resolution_ms)
    select coalesce(agent_id, 0), priority, case when closed_at > sla_due_at then 1 else 0 end, count(*), count(closed_at), coalesce(sum(closed_at - created_at), 0)
    from tickets where status = 'closed'
    group by coalesce(agent_id, 0), priority, case when closed_at > sla_due_at then 1 else 0 end`.execute(db);
  await sql`delete from open_ticket_summary`.execute(db);
  await sql`insert into open_ticket_summary (priority, assigned, open)
    select priority, case when agent_id is null then 0 else 1 end, count(*) from tickets where status = 'open'
    group by priority, case when agent_id is null then 0 else 1 end`.execute(db);
  await sql`delete from resolution_histogram`.execute(db);
  await sql`insert into resolution_histogram (bucket, closed)
    select b, count(*) from (select ${resolutionBucketSql()} as b from tickets where status = 'closed' and closed_at is not null) t group by b`.execute(db);
  // §11's (open_breach_summary, sla_target_counts, first_response_histogram): as its migration builds them.
  await rebuildSlaFigures(db);
  // §13's csat_summary, likewise.
  await rebuildCsatSummary(db);
  // The waiting tickets per team and skills (the dashboard's Needs attention), likewise.
  await rebuildPendingTeamSummary(db);
}

/** A ticket's resolution_histogram bucket in SQL (the triggers' buckets: src/core/resolution-histogram.ts). */
function resolutionBucketSql() {
  const d = '(case when closed_at - created_at < 0 then 0 else closed_at - created_at end)';
  const ranges = [...RESOLUTION_RANGES].reverse();
  const branch = (r: (typeof ranges)[number]) => `${r.first} + (${d} - ${r.fromMs}) / ${r.widthMs}`;
  const cases = ranges.slice(0, -1).map((r) => `when ${d} >= ${r.fromMs} then ${branch(r)}`);
  return sql.raw(`cast(case ${cases.join(' ')} else ${branch(ranges.at(-1)!)} end as integer)`);
}

/** Baseline: N bare rows into an unindexed table in one statement, the same way. */
async function bareInsertMs(handle: DbHandle, n: number): Promise<number> {
  const { db, dialect } = handle;
  const started = performance.now();
  await sql`create table bench_bare (id bigint, payload text)`.execute(db);
  if (dialect === 'postgres') {
    await sql`insert into bench_bare select i, 'row ' || i from generate_series(1::bigint, ${sql.lit(n)}::bigint) as s(i)`.execute(db);
  } else {
    await db.transaction().execute((trx) => sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(n)}) insert into bench_bare select i, 'row ' || i from s`.execute(trx));
  }
  const ms = performance.now() - started;
  await sql`drop table bench_bare`.execute(db);
  return ms;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const tickets = numberFlag(args, 'tickets', 100_000);
  const options: SeedOptions = {
    tickets,
    agents: numberFlag(args, 'agents', 40),
    capacity: numberFlag(args, 'capacity', 5),
    freshAgents: numberFlag(args, 'fresh-agents', 20),
    closedFraction: numberFlag(args, 'closed', 0.8),
    stepMs: numberFlag(args, 'step-ms', 60_000),
  };
  const url = flag(args, 'db');
  if (url) {
    const handle = connect(url);
    try {
      await migrateToLatest(handle.db);
      const result = await seed(handle, options);
      console.log(`seeded ${url}: ${result.tickets} tickets (${result.closed} closed, ${result.assigned} open with agents, ${result.pending} pending), ${result.events} events, ${result.messages} messages, in ${fmtMs(result.ms)}`);
      console.log(`admin / ${BENCH_ADMIN_PASSWORD}; agent001… and fresh001… / ${BENCH_AGENT_PASSWORD}`);
    } finally {
      await handle.destroy();
    }
    return;
  }
  const dialects = (flag(args, 'dialects') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
  console.log(`bench:seed: ${tickets} tickets, options ${JSON.stringify(options)}`);
  const rows: string[][] = [];
  for (const dialect of dialects) {
    const database = await createBenchDatabase(dialect, 'seed');
    try {
      const baseline = await bareInsertMs(database.handle, tickets);
      const result = await seed(database.handle, options);
      rows.push([dialect, String(result.tickets), String(result.events), String(result.messages), fmtMs(result.ms), `${Math.round(result.tickets / (result.ms / 1000))}/s`, fmtMs(baseline), `${(result.ms / baseline).toFixed(1)}×`]);
    } finally {
      await database.drop();
    }
  }
  printTable(['engine', 'tickets', 'events', 'messages', 'seed time', 'tickets/s', `baseline: ${tickets} bare rows`, 'seed / baseline'], rows);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
