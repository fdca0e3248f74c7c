/**
 * Intake throughput against its limit. autocannon drives a real server process (src/server.ts,
 * outbox worker, SLA monitor and all) through two routes of the same build:
 *
 * - intake: POST /tickets/create/ as a browser sends it (urlencoded form with a valid CSRF token
 *   and its cookie): validation, the routing transaction it shares with the tickets arriving
 *   alongside it (group commit, src/services/intake.ts; R1: ten agents available with capacity
 *   to spare, so every ticket is assigned at once: agent loads, queue check, ticket, `created`
 *   event, last_assigned_at, the customer's email rendered into the outbox), the change published
 *   (live pages, outbox worker woken, SLA monitor woken), 303 to the success page. Agents hold a
 *   few tickets each, as at work: every 100 ms the bench itself marks their open tickets closed
 *   with one UPDATE (not through the product: no events or emails), so routing always finds
 *   room and the agents' loads stay near what they would be (a handful) instead of growing with
 *   the run (bench/lib/workload.ts startCloser: on SQLite through the server, on PostgreSQL its own connection);
 * - baseline: POST /bench/scratch/ (BENCH_ROUTES=on) with the same form body: one INSERT into a
 *   scratch table, 303. The most a write request can do on this machine and this server build.
 *   It writes through the server's own handle, the connection intake writes through, so both
 *   commit equally durably (on SQLite synchronous = FULL, a WAL sync per commit: the baseline pays
 *   one per request, intake one per batch). Each run prints that setting, read on a connection
 *   opened by the same connect().
 *   Like the ticket form it is checked by the form's CSRF token only (a hash, no database read).
 *   The bulk close below is for admins only: the bench creates an API token for the seeded admin
 *   and sends it with every close.
 *
 * Baseline and intake alternate (B, I, B, I, …) after a warm-up, so both see the same noise from
 * whatever else the machine runs. Reported per run and overall: requests/s, p50 and p99 latency, and
 * intake/baseline. Target: intake ≥ 50 % of the baseline's requests/s. After the runs the number of
 * tickets is checked against the 303s counted (a 303 means durable, I5).
 *
 * Each concurrency level is measured in turn (--connections, default 10 and 100 clients, each
 * sending its next request when the last is answered). At 10 the rate is bounded by latency: 10 ÷
 * the time one request takes, which for intake is a whole routing transaction (several round trips
 * under the routing lock) against one insert for the baseline. At 100 both routes are at their
 * limit (the machine's CPU); that is the throughput the target is about.
 *
 *   npm run bench:intake -- [--dialects sqlite,postgres] [--duration 10] [--rounds 2]
 *                           [--connections 10,100] [--agents 10] [--quick] [--cpu-prof] [--routes intake]
 *                           [--search-triggers [words]] [--webhooks 3] [--teams 10 [--against-one-team]]
 * --quick: 5 s runs, one round. --cpu-prof: writes the server's CPU profile to bench/profiles/
 * (with --routes intake, a profile of intake alone).
 * --search-triggers: what the search index's triggers (issue 21: the index and the known words of
 * typo tolerance) cost intake: intake with them against intake with them switched off, on the
 * same database and server, alternating (PostgreSQL: disabled; SQLite: dropped and recreated
 * between runs). The tickets taken in without them are not in the index (a scratch database).
 * `--search-triggers words`: only the triggers of typo tolerance's known words.
 * --webhooks N: what webhooks (§13) cost intake: N endpoints subscribed to every event, on a
 * receiver in a process of its own answering 204 at once (bench/lib/webhookReceiver.mjs), against
 * intake with them switched off (same database and server, alternating). Target: with ≥ 80 % of
 * without. After the runs, every delivery written is checked delivered.
 * Before every run the bench waits until the servers' senders have nothing waiting (settle).
 * --teams N: intake in an organisation of N teams (§12, issue 16 item 6): a topic per team, each agent in
 * one to three teams (agent k in teams k, k+1, k+2 modulo N, by k modulo 3), the tickets spread over
 * the N topics in turn. Routing reads every agent's teams and skills and each team's rules in its
 * one state query; with `--agents 100` the ratio to the baseline is compared with a run without
 * --teams (target: within 10 % of it).
 * --against-one-team (with --teams N): that comparison on one machine at one moment. Two servers,
 * each on its own database: N teams with --agents agents, and the one team of a new install with
 * ten agents (what the intake target was set on). Their intake runs alternate, round by round,
 * and the summary gives teams ÷ one team per round and overall (target: ≥ 90 %). The baseline
 * route is the same code on both, so dividing by it only adds its own noise: the two intakes are
 * compared directly.
 * SLA limits are set to a day so that no breach work falls inside a run (bench:sla-lag measures that).
 * The database starts with 20,000 closed tickets of history (bench:seed's mix, all closed).
 */
import { mkdirSync } from 'node:fs';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { Dialect } from '../src/db/connect.js';
import { outboxBacklog } from '../src/repositories/outbox.js';
import { webhookBacklog } from '../src/repositories/webhookLanes.js';
import { systemClock } from '../src/services/context.js';
import { createApiToken } from '../src/services/tokens.js';
import { saveTeam, saveTopic, setAgentTeamsAndSkills } from '../src/services/teams.js';
import { createEndpoint } from '../src/services/webhookEndpoints.js';
import { type BenchDatabase, createBenchDatabase, dropAll } from './lib/db.js';
import { flag, fmtMs, hasFlag, listFlag, numberFlag, printTable, ratioVerdict } from './lib/report.js';
import { ROOT, type BenchServer, startBenchServer } from './lib/server.js';
import { browserCredentials, type Run as BenchRun, runOf, startCloser, ticketForm } from './lib/workload.js';
import { cpuPerRequest, cpuText, postgresPids, readCpu } from './lib/cpu.js';
import { seed } from './seed.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const duration = numberFlag(args, 'duration', quick ? 5 : 10);
const rounds = numberFlag(args, 'rounds', quick ? 1 : 2);
const connectionLevels = listFlag(args, 'connections', ['10', '100']).map(Number);
const agents = numberFlag(args, 'agents', 10);
const cpuProf = hasFlag(args, 'cpu-prof');
// Intake spread over N teams (issue 16 item 6).
const teams = numberFlag(args, 'teams', 0);
// The teams' intake against intake in one team with ten agents, on two servers side by side.
const againstOneTeam = hasFlag(args, 'against-one-team');
const ONE_TEAM_AGENTS = 10;
if (againstOneTeam && teams === 0) throw new Error('--against-one-team compares --teams N with one team: give --teams');
// Intake with and without the search index's triggers (issue 21), instead of against the baseline.
const searchTriggers = hasFlag(args, 'search-triggers');
const WITHOUT_SEARCH = 'intake without search triggers';
// Intake with N webhook endpoints (issue 17), against intake without them.
const webhooks = numberFlag(args, 'webhooks', 0);
const WITH_WEBHOOKS = 'intake with webhooks';
const IN_TEAMS = `intake, ${teams} teams, ${agents} agents`;
const IN_ONE_TEAM = `intake, one team, ${ONE_TEAM_AGENTS} agents`;
// For profiling one side alone: --routes intake.
const routes = listFlag(args, 'routes', searchTriggers ? ['intake', WITHOUT_SEARCH] : webhooks > 0 ? [WITH_WEBHOOKS, 'intake'] : ['baseline', 'intake']) as Route[];
/** What the summary compares: [measured, against]. */
const [MAIN, OTHER]: [Route, Route] = againstOneTeam
  ? [IN_TEAMS, IN_ONE_TEAM]
  : searchTriggers
    ? ['intake', WITHOUT_SEARCH]
    : webhooks > 0
      ? [WITH_WEBHOOKS, 'intake']
      : ['intake', 'baseline'];
const TARGET = againstOneTeam ? 0.9 : webhooks > 0 ? 0.8 : 0.5;

const HISTORY = 20_000;
/** A route's name: `baseline` is the scratch insert, every other name the ticket form. */
type Route = string;
/** A run, with the CPU each side's processes spent per ticket taken in (µs; bench/lib/cpu.ts). */
type Run = BenchRun<Route> & { lane: Lane; cpu: Record<string, number> };
/** The webhook receiver's process: where it listens, its pid, and how many posts it got. */
interface Receiver {
  url: string;
  pid: number;
  received(): Promise<number>;
  close(): Promise<void>;
}
type Counts = Awaited<ReturnType<typeof counts>>;

/** What a request carries: the browser's CSRF cookie and form token; and the admin token the bulk close needs. */
interface Credentials {
  cookie: string;
  csrf: string;
  admin: { authorization: string };
}

/** autocannon on the lane's route for `seconds`. */
async function cannon(lane: Lane, connections: number, seconds: number): Promise<Run> {
  const { side, route } = lane;
  const path = route === 'baseline' ? '/bench/scratch/' : '/tickets/create/';
  const { cookie, csrf } = side.credentials;
  const processes = () => ({ server: [side.server.pid], postgres: side.database.dialect === 'postgres' ? postgresPids() : [], receiver: side.receiver ? [side.receiver.pid] : [] });
  const cpuBefore = readCpu(processes());
  const result = await autocannon({
    url: side.server.url,
    connections,
    duration: seconds,
    // Bodies in turn: a mix of priorities (each with the same token and cookie), over the side's
    // topics when it has teams.
    requests: (side.topics.length === 0 ? [undefined] : side.topics).flatMap((topic) =>
      ['high', 'medium', 'low'].map((priority) => ({
        method: 'POST' as const,
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: ticketForm(priority, csrf, topic),
      })),
    ),
  });
  const run = runOf(route, connections, result, '303');
  return { ...run, lane, cpu: cpuPerRequest(cpuBefore, readCpu(processes()), run.ok) };
}

/** One server on its own database, as the runs drive it. */
interface Side {
  database: BenchDatabase;
  server: BenchServer;
  credentials: Credentials;
  closer: { stop(): Promise<void> };
  receiver: Receiver | null;
  /** The topics the tickets go to in turn (none: the form's default). */
  topics: readonly string[];
  before: Counts;
}

/** A route driven on a side; the runs alternate over the lanes. */
interface Lane {
  side: Side;
  route: Route;
}

/**
 * A server on a new database: `agents` agents, available, with room to spare (R1 assigns each
 * ticket at once), in `teams` teams (0: the one team every install has), and a history of 20,000
 * closed tickets: a helpdesk in use, whose tables the planner has statistics for. (On an empty,
 * just-analysed database PostgreSQL plans the foreign-key checks of every event and email row as
 * scans of a table it believes empty: 0.2 ms per row and growing during the run.) `opened` gets
 * what must be closed, as soon as it is open.
 */
async function openSide(dialect: Dialect, organisation: { agents: number; teams: number }, opened: (close: () => Promise<void>) => void): Promise<Side> {
  const database: BenchDatabase = await createBenchDatabase(dialect, 'intake');
  opened(() => database.drop());
  const seeded = await seed(database.handle, { tickets: HISTORY, closedFraction: 1, agents: organisation.agents, capacity: 1_000, freshAgents: 0 });
  await database.handle.db.updateTable('settings').set({ sla_high_seconds: 86_400, sla_medium_seconds: 86_400, sla_low_seconds: 86_400 }).execute();
  const topics = organisation.teams > 0 ? await organiseTeams(database, organisation.teams, seeded.agentIds, seeded.adminId) : [];
  const profileDir = join(ROOT, 'bench', 'profiles');
  if (cpuProf) mkdirSync(profileDir, { recursive: true });
  const receiver = webhooks > 0 ? await startReceiver() : null;
  if (receiver) {
    opened(() => receiver.close());
    const ctx = { handle: database.handle, clock: systemClock, publicUrl: 'http://bench.test' };
    for (let i = 0; i < webhooks; i++) await createEndpoint(ctx, null, { url: `${receiver.url}/hook/${i}`, events: '*', active: false }, true);
  }
  const server = await startBenchServer(database.url, receiver ? { WEBHOOKS_ALLOW_PRIVATE: 'on' } : {}, cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  opened(async () => void (await server.stop()));
  console.log(`${dialect}: ${await durability(database)}`);
  // One browser: its CSRF cookie and the token of the form it was given; and the seeded admin's
  // API token, which both /bench/ routes require.
  const ctx = { handle: database.handle, clock: systemClock, publicUrl: server.url };
  const credentials: Credentials = {
    ...(await browserCredentials(server)),
    admin: { authorization: `Bearer ${(await createApiToken(ctx, seeded.adminId, 'bench:intake')).token}` },
  };
  const closer = startCloser(server, credentials.admin, database);
  opened(() => closer.stop());
  return { database, server, credentials, closer, receiver, topics, before: await counts(database) };
}

/**
 * Waits (up to a minute) until no side has emails or webhook deliveries waiting: a run leaves its
 * senders a backlog, whose writes would otherwise fall into the next run, on whichever side (the
 * servers share the machine and, for SQLite, the disk).
 */
async function settle(sides: readonly Side[]): Promise<void> {
  const waiting = async (side: Side) => {
    const emails = await outboxBacklog(side.database.handle, Date.now());
    // Whether any webhook waits, not how many (a count reads the whole backlog).
    return emails.pending + emails.sending + (await webhookBacklog(side.database.handle, 1));
  };
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    let left = 0;
    for (const side of sides) left += await waiting(side);
    if (left === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log('settle: the senders still had a backlog after a minute; measuring anyway');
}

/** Switches what the lane's route needs on its side's database (search triggers, webhooks). */
async function prepare(lane: Lane): Promise<void> {
  if (searchTriggers) await setSearchTriggers(lane.side.database, lane.route !== WITHOUT_SEARCH);
  if (lane.side.receiver) await setWebhooks(lane.side.database, lane.route === WITH_WEBHOOKS);
}

/**
 * After the runs: every 303 of a side's intake is a stored ticket and nothing more, each baseline
 * 303 a stored row; every webhook delivery delivered.
 */
async function check(dialect: Dialect, side: Side, lanes: readonly Lane[], runs: readonly Run[], warmUps: ReadonlyMap<Lane, number>): Promise<number> {
  if (searchTriggers) await setSearchTriggers(side.database, true);
  await side.closer.stop();
  if (side.receiver) {
    await setWebhooks(side.database, true);
    console.log(`${dialect}: ${await webhooksDelivered(side.database, side.receiver)}`);
  }
  const after = await counts(side.database);
  const own = lanes.filter((lane) => lane.side === side);
  const okOf = (intake: boolean) =>
    own.filter((lane) => (lane.route !== 'baseline') === intake).reduce((s, lane) => s + (warmUps.get(lane) ?? 0) + runs.filter((r) => r.lane === lane).reduce((t, r) => t + r.ok, 0), 0);
  // autocannon stops counting at the end of a run with up to one request per connection in
  // flight; those still commit. Beyond that, every 303 must be a stored ticket and nothing more.
  const slack = Math.max(...connectionLevels) * (rounds + 1) * connectionLevels.length;
  const intakeLanes = own.filter((lane) => lane.route !== 'baseline').length;
  const stored = after.tickets - side.before.tickets;
  if (stored < okOf(true) || stored > okOf(true) + slack * intakeLanes) throw new Error(`${okOf(true)} tickets answered 303 but ${stored} were stored`);
  const rowsAdded = after.scratch - side.before.scratch;
  if (rowsAdded < okOf(false) || rowsAdded > okOf(false) + slack) throw new Error(`${okOf(false)} baseline 303s but ${rowsAdded} rows`);
  const bad = runs.filter((r) => r.lane.side === side && r.other > 0);
  if (bad.length > 0) throw new Error(`answers other than 303: ${JSON.stringify(bad.map(({ lane: _lane, ...r }) => r))}\n${side.server.output().slice(-2000)}`);
  return after.tickets;
}

async function benchDialect(dialect: Dialect): Promise<{ dialect: Dialect; runs: Run[]; tickets: number }> {
  const closing: (() => Promise<void>)[] = [];
  const opened = (close: () => Promise<void>) => closing.unshift(close);
  try {
    let lanes: Lane[];
    if (againstOneTeam) {
      // The two organisations side by side, alternating: the teams' intake against the one team's.
      const organised = await openSide(dialect, { agents, teams }, opened);
      const plain = await openSide(dialect, { agents: ONE_TEAM_AGENTS, teams: 0 }, opened);
      lanes = [
        { side: organised, route: MAIN },
        { side: plain, route: OTHER },
      ];
    } else {
      const side = await openSide(dialect, { agents, teams }, opened);
      lanes = routes.map((route) => ({ side, route }));
    }
    const runs: Run[] = [];
    const warmUps = new Map<Lane, number>();
    const sides = [...new Set(lanes.map((lane) => lane.side))];
    for (const connections of connectionLevels) {
      for (const lane of lanes) {
        await prepare(lane);
        await settle(sides);
        warmUps.set(lane, (warmUps.get(lane) ?? 0) + (await cannon(lane, connections, 2)).ok);
      }
      for (let round = 0; round < rounds; round++) {
        for (const lane of lanes) {
          await prepare(lane);
          await settle(sides);
          runs.push(await cannon(lane, connections, duration));
        }
      }
    }
    let tickets = 0;
    for (const side of sides) tickets += await check(dialect, side, lanes, runs, warmUps);
    return { dialect, runs, tickets };
  } finally {
    for (const close of closing) await close().catch((error: unknown) => console.error(error));
  }
}

/** N teams with a topic each, every agent in one to three of them (through the product's services); the topics. */
async function organiseTeams(database: BenchDatabase, teams: number, agentIds: readonly number[], adminId: number): Promise<string[]> {
  const ctx = { handle: database.handle, clock: systemClock, publicUrl: 'http://bench.test' };
  const topics = Array.from({ length: teams }, (_, i) => `Topic ${i + 1}`);
  for (let i = 1; i <= teams; i++) {
    await saveTeam(ctx, adminId, { name: `Team ${i}`, overflowTeam: null, overflowAfterMinutes: null });
    await saveTopic(ctx, adminId, { name: topics[i - 1]!, team: `Team ${i}`, skills: [], addresses: [], hidden: false, defaultPriority: null });
  }
  for (const [k, id] of agentIds.entries()) {
    const memberOf = Array.from({ length: Math.min(teams, (k % 3) + 1) }, (_, j) => `Team ${((k + j) % teams) + 1}`);
    await setAgentTeamsAndSkills(ctx, adminId, id, { teams: memberOf, skills: [] });
  }
  console.log(`${database.dialect}: ${teams} teams, ${agentIds.length} agents in 1–3 teams each, tickets over ${teams} topics`);
  return topics;
}

/** The triggers that keep the search index and its known words (migrations 2026-12-03T0900, T1000); `--search-triggers words`: the known words' alone. */
const SEARCH_TRIGGER = flag(args, 'search-triggers') === 'words' ? /^search_words_/ : /^(ticket_search|search_words)_/;
const droppedTriggers: string[] = [];

/**
 * Search triggers on or off, on the running server's database: PostgreSQL disables and enables
 * them; SQLite has no such switch, so they are dropped and created again from their definitions
 * (its connections re-read the schema at their next statement).
 */
async function setSearchTriggers(database: BenchDatabase, on: boolean): Promise<void> {
  const { db } = database.handle;
  if (database.dialect === 'postgres') {
    const { rows } = await sql<{ name: string; table: string }>`select t.tgname as name, c.relname as table from pg_trigger t join pg_class c on c.oid = t.tgrelid
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and not t.tgisinternal`.execute(db);
    for (const { name, table } of rows.filter((r) => SEARCH_TRIGGER.test(r.name))) {
      await sql`alter table ${sql.table(table)} ${sql.raw(on ? 'enable' : 'disable')} trigger ${sql.id(name)}`.execute(db);
    }
    return;
  }
  if (on) {
    for (const definition of droppedTriggers.splice(0)) await sql.raw(definition).execute(db);
    return;
  }
  const { rows } = await sql<{ name: string; def: string }>`select name, sql as def from sqlite_master where type = 'trigger'`.execute(db);
  for (const { name, def } of rows.filter((r) => SEARCH_TRIGGER.test(r.name))) {
    await sql`drop trigger ${sql.id(name)}`.execute(db);
    droppedTriggers.push(def);
  }
}

/** The bench's webhook endpoints on (every event) or off, on the running server's database. */
async function setWebhooks(database: BenchDatabase, on: boolean): Promise<void> {
  await database.handle.db.updateTable('webhook_endpoints').set({ active: on ? 1 : 0 }).execute();
}

/** A receiver answering 204 at once, counting what it gets: bench/lib/webhookReceiver.mjs, in a process of its own. */
async function startReceiver(): Promise<Receiver> {
  const child = fork(join(ROOT, 'bench', 'lib', 'webhookReceiver.mjs'), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const match = /listening (\d+)/.exec(d.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    received: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m: { received: number }) => resolve(m.received));
        child.send('count');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

/** Waits (up to a minute) for the webhook backlog to drain; says what was written (logged, or still waiting) and delivered. */
async function webhooksDelivered(database: BenchDatabase, receiver: { received(): Promise<number> }): Promise<string> {
  const { db } = database.handle;
  const started = Date.now();
  const count = async () => {
    const rows = await db.selectFrom('webhook_deliveries').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Record<string, number>;
  };
  while ((await webhookBacklog(database.handle, 1)) > 0 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 250));
  const left = await webhookBacklog(database.handle);
  const byStatus = await count();
  const written = Object.values(byStatus).reduce((s, n) => s + n, 0) + left;
  if ((byStatus.failed ?? 0) > 0) throw new Error(`webhooks: ${byStatus.failed} deliveries failed`);
  return `webhooks: ${written} deliveries written, ${byStatus.delivered ?? 0} delivered (${await receiver.received()} requests received), ${left} still waiting ${((Date.now() - started) / 1000).toFixed(1)} s after the last run`;
}

/** How commits reach the disk, as connect() sets it (SQLite) or the server is configured (PostgreSQL). */
async function durability(database: BenchDatabase): Promise<string> {
  const { db } = database.handle;
  if (database.dialect === 'sqlite') {
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
    return `synchronous = ${['OFF', 'NORMAL', 'FULL', 'EXTRA'][rows[0]!.synchronous] ?? rows[0]!.synchronous} (WAL) for intake and baseline alike`;
  }
  const { rows } = await sql<{ s: string; f: string }>`select current_setting('synchronous_commit') as s, current_setting('fsync') as f`.execute(db);
  return `synchronous_commit = ${rows[0]!.s}, fsync = ${rows[0]!.f} for intake and baseline alike`;
}

async function counts(database: BenchDatabase): Promise<{ tickets: number; scratch: number }> {
  const { rows } = await sql<{ t: number; s: number }>`select (select count(*) from tickets) as t, (select count(*) from bench_scratch) as s`.execute(database.handle.db);
  return { tickets: Number(rows[0]!.t), scratch: Number(rows[0]!.s) };
}

async function main(): Promise<void> {
  console.log(`bench:intake: ${connectionLevels.join(' and ')} connections, ${rounds} round(s) of ${duration} s per route and level (alternating, after 2 s warm-ups), ${agents} agents available; node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  const rows: string[][] = [];
  const summary: string[][] = [];
  for (const dialect of dialects) {
    const { runs, tickets } = await benchDialect(dialect);
    for (const run of runs) rows.push([dialect, String(run.connections), run.route, run.rps.toFixed(0), `${run.p50} ms`, `${run.p99} ms`, String(run.ok), cpuText(run.cpu)]);
    for (const connections of connectionLevels) {
      const of = (route: Run['route']) => runs.filter((r) => r.route === route && r.connections === connections);
      const mean = (route: Run['route'], pick: (r: Run) => number) => of(route).reduce((s, r) => s + pick(r), 0) / of(route).length;
      const totalRps = (route: Run['route']) => of(route).reduce((s, r) => s + r.ok, 0) / of(route).reduce((s, r) => s + r.seconds, 0);
      // Against the baseline, or (--search-triggers) against intake without the search triggers,
      // or (--webhooks) intake with the endpoints against intake without them.
      const other = OTHER;
      const ratio = totalRps(MAIN) / totalRps(other);
      const perRound = of(MAIN).map((r, i) => `${((r.rps / (of(other)[i]?.rps ?? NaN)) * 100).toFixed(0)} %`);
      summary.push([
        dialect,
        String(connections),
        `${totalRps(MAIN).toFixed(0)} req/s`,
        `${totalRps(other).toFixed(0)} req/s`,
        `${(ratio * 100).toFixed(0)} %`,
        perRound.join(' · '),
        `${fmtMs(mean(MAIN, (r) => r.p50))} / ${fmtMs(mean(MAIN, (r) => r.p99))}`,
        `${fmtMs(mean(other, (r) => r.p50))} / ${fmtMs(mean(other, (r) => r.p99))}`,
        ratioVerdict(ratio, (r) => r >= TARGET),
        String(tickets),
      ]);
    }
  }
  console.log('\nRuns (in the order run):');
  printTable(['engine', 'connections', 'route', 'req/s', 'p50', 'p99', '303s', 'CPU µs per 303'], rows);
  const columns = (main: string, other: string, target: string) =>
    ['engine', 'connections', main, other, `${main}/${other}`, 'per round', `${main} p50/p99`, `${other} p50/p99`, target, 'tickets stored'];
  if (againstOneTeam) {
    console.log(`\nSummary: intake with ${teams} teams and ${agents} agents against one team and ${ONE_TEAM_AGENTS} agents (two servers side by side, alternating; issue 16 item 6):`);
    printTable(columns('teams', 'one team', 'target (≥ 90 %)'), summary);
    return;
  }
  if (searchTriggers) {
    console.log('\nSummary: intake with the search triggers against without (same database, alternating):');
    printTable(columns('with', 'without', 'target (≥ 50 %)'), summary);
    return;
  }
  if (webhooks > 0) {
    console.log(`\nSummary: intake with ${webhooks} webhook endpoints subscribed to every event against without (same database, alternating):`);
    printTable(columns('with', 'without', 'target (≥ 80 %)'), summary);
    return;
  }
  console.log('\nSummary (target: intake ≥ 50 % of the baseline):');
  printTable(columns('intake', 'baseline', 'target'), summary);
}

main()
  .catch(async (error: unknown) => {
    console.error(error);
    await dropAll();
    process.exitCode = 1;
  });
