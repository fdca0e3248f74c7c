/**
 * npm run bench:bare — issue 20 item 8: throughput against a bare route outside the product.
 *
 * Two processes on one database, driven in turn by autocannon at 32 connections (alternating rounds
 * after 2 s warm-ups), per engine:
 * - the helpdesk as `npm start` runs it (the compiled build, scripts/start.mjs), taking tickets
 *   through the public JSON API, `POST /api/v1/tickets` (validation, routing transaction shared
 *   with the tickets arriving alongside, the customer's email in the outbox, 201 with the ticket);
 * - a separate bare Fastify process (bench/lib/bareServer.mjs): the same JSON body, one prepared
 *   insert into a table of its own, 201. The most one write request can do here.
 * Target: the API's throughput ≥ 0.5 of the bare route's. Every 201 of the API must be a stored
 * ticket (checked after the runs), and each bare 201 a stored row.
 *
 * Usage: npm run bench:bare -- [--dialects sqlite,postgres] [--connections 32] [--quick]
 *                              [--duration 10] [--rounds 2] [--cpu-prof] [--no-closer]
 * --cpu-prof: the helpdesk server's CPU profile to bench/profiles/ (while the bare route runs, it idles).
 * The database starts with 20,000 closed tickets of history and ten available agents with room to
 * spare, whose tickets the closer keeps closing (as bench:intake does). --no-closer: nobody closes;
 * once the agents are full (10 × 1,000 open tickets) new tickets wait in the queue. The closer's
 * bulk UPDATE runs on the helpdesk server's main thread (about 50 ms per call on SQLite at this
 * rate, several calls a second), work the bare process never does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { Db, Dialect } from '../src/db/connect.js';
import { systemClock } from '../src/services/context.js';
import { createApiToken } from '../src/services/tokens.js';
import { freePort } from '../test/support/process.js';
import { createBenchDatabase, dropAll } from './lib/db.js';
import { fmtMs, hasFlag, listFlag, numberFlag, printTable, ratioVerdict } from './lib/report.js';
import { ROOT, type BenchServer, startBenchServer } from './lib/server.js';
import { type Run as BenchRun, runOf, startCloser, TICKET_DESCRIPTION, TICKET_TITLE } from './lib/workload.js';
import { seed } from './seed.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const duration = numberFlag(args, 'duration', quick ? 5 : 10);
const rounds = numberFlag(args, 'rounds', quick ? 1 : 2);
const connections = numberFlag(args, 'connections', 32);
const cpuProf = hasFlag(args, 'cpu-prof');
const closing = !hasFlag(args, 'no-closer');
const TARGET = 0.5;

type Route = 'api' | 'bare';
type Run = BenchRun<Route>;

const BODY = JSON.stringify({ name: 'Carla Customer', email: 'carla@example.com', title: TICKET_TITLE, description: TICKET_DESCRIPTION, priority: 'medium' });

interface BareServer {
  url: string;
  stop(): Promise<void>;
}

/** bench/lib/bareServer.mjs on a free port, on `databaseUrl`; resolves once it listens. */
async function startBareServer(databaseUrl: string): Promise<BareServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bench', 'lib', 'bareServer.mjs')], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const look = (d: Buffer) => {
      output += d.toString();
      if (output.includes('listening')) resolve();
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`the bare server exited with ${code}:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

async function cannon(url: string, route: Route, seconds: number): Promise<Run> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', path: route === 'api' ? '/api/v1/tickets' : '/bare', headers: { 'content-type': 'application/json' }, body: BODY }],
  });
  return runOf(route, connections, result, '201');
}

async function benchDialect(dialect: Dialect): Promise<Run[]> {
  const database = await createBenchDatabase(dialect, 'bare');
  let server: BenchServer | undefined;
  let bare: BareServer | undefined;
  try {
    const seeded = await seed(database.handle, { tickets: 20_000, closedFraction: 1, agents: 10, capacity: 1_000, freshAgents: 0 });
    await database.handle.db.updateTable('settings').set({ sla_high_seconds: 86_400, sla_medium_seconds: 86_400, sla_low_seconds: 86_400 }).execute();
    const profileDir = join(ROOT, 'bench', 'profiles');
    if (cpuProf) mkdirSync(profileDir, { recursive: true });
    server = await startBenchServer(database.url, {}, cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [], { compiled: true });
    bare = await startBareServer(database.url);
    const ctx = { handle: database.handle, clock: systemClock, publicUrl: server.url };
    const admin = { authorization: `Bearer ${(await createApiToken(ctx, seeded.adminId, 'bench:bare')).token}` };
    const closer = closing ? startCloser(server, admin, database) : { stop: async () => {} };
    const before = await counts(database.handle.db);
    const urls: Record<Route, string> = { api: server.url, bare: bare.url };
    const routes: Route[] = ['bare', 'api'];
    const warmUps: Record<Route, number> = { api: 0, bare: 0 };
    for (const route of routes) warmUps[route] += (await cannon(urls[route], route, 2)).ok;
    const runs: Run[] = [];
    for (let round = 0; round < rounds; round++) for (const route of routes) runs.push(await cannon(urls[route], route, duration));
    await closer.stop();
    const after = await counts(database.handle.db);
    // autocannon stops counting with up to one request per connection in flight; those still commit.
    const slack = connections * (rounds + 1);
    for (const route of routes) {
      const answered = runs.filter((r) => r.route === route).reduce((s, r) => s + r.ok, 0) + warmUps[route];
      const stored = route === 'api' ? after.tickets - before.tickets : after.bare - before.bare;
      if (stored < answered || stored > answered + slack) throw new Error(`${route}: ${answered} answered 201 but ${stored} were stored`);
    }
    const bad = runs.filter((r) => r.other > 0);
    if (bad.length > 0) throw new Error(`answers other than 201: ${JSON.stringify(bad)}\n${server.output().slice(-2000)}`);
    return runs;
  } finally {
    await bare?.stop();
    await server?.stop();
    await database.drop();
  }
}

async function counts(db: Db): Promise<{ tickets: number; bare: number }> {
  const { rows } = await sql<{ t: number; b: number }>`select (select count(*) from tickets) as t, (select count(*) from bare_tickets) as b`.execute(db);
  return { tickets: Number(rows[0]!.t), bare: Number(rows[0]!.b) };
}

async function main(): Promise<void> {
  console.log(`bench:bare: ${connections} connections, ${rounds} round(s) of ${duration} s per route (alternating, after 2 s warm-ups); node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  const rows: string[][] = [];
  const summary: string[][] = [];
  for (const dialect of dialects) {
    const runs = await benchDialect(dialect);
    for (const run of runs) rows.push([dialect, run.route, run.rps.toFixed(0), `${run.p50} ms`, `${run.p99} ms`, String(run.ok)]);
    const of = (route: Route) => runs.filter((r) => r.route === route);
    const rps = (route: Route) => of(route).reduce((s, r) => s + r.ok, 0) / of(route).reduce((s, r) => s + r.seconds, 0);
    const mean = (route: Route, pick: (r: Run) => number) => of(route).reduce((s, r) => s + pick(r), 0) / of(route).length;
    const ratio = rps('api') / rps('bare');
    summary.push([
      dialect,
      `${rps('api').toFixed(0)} req/s`,
      `${rps('bare').toFixed(0)} req/s`,
      ratio.toFixed(2),
      `${fmtMs(mean('api', (r) => r.p50))} / ${fmtMs(mean('api', (r) => r.p99))}`,
      `${fmtMs(mean('bare', (r) => r.p50))} / ${fmtMs(mean('bare', (r) => r.p99))}`,
      ratioVerdict(ratio, (r) => r >= TARGET),
    ]);
  }
  console.log('\nRuns (in the order run):');
  printTable(['engine', 'route', 'req/s', 'p50', 'p99', '201s'], rows);
  console.log(`\nSummary (target: the API ≥ ${TARGET} of the bare route, ${connections} connections):`);
  printTable(['engine', 'POST /api/v1/tickets', 'bare POST (own process)', 'api/bare', 'api p50/p99', 'bare p50/p99', 'target'], summary);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await dropAll();
  process.exitCode = 1;
});
