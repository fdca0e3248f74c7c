/**
 * Mail intake against form intake, in the same run on the same server (SPEC §10, issue 14).
 * autocannon drives a real server process (src/server.ts, outbox worker, SLA monitor and all):
 *
 * - form: POST /tickets/create/ as a browser sends it (as bench:intake: CSRF, group commit, R1).
 * - http: POST /api/v1/inbound/email with an inbound-only token, every request a different mail
 *   (its own Message-ID and sender, multipart/alternative text and HTML, as mail clients send):
 *   the token checked, the mail parsed (mailparser, reply parser), recorded in the inbound log
 *   with its raw bytes, its Message-ID checked against ours, its references looked up, the
 *   sender's hourly count read, the ticket created through the same group-committed intake, the
 *   log row finished. So mail pays its reading and its exactly-once bookkeeping on top of the form.
 * - imap (with --imap): a real Dovecot (started as the tests start it) holding N mails before a
 *   server with IMAP_URL starts; the time from start until every mail is handled and moved gives
 *   mails/s through the watcher (fetch, ingest, move to Processed).
 *
 * Form and http alternate after a warm-up, so both see the same noise. Ten agents are available
 * with room (the closer keeps their loads at a handful, see lib/workload.ts). Target: mail intake
 * ≥ 50 % of form intake's requests/s. After the runs every 200 is checked to be a stored ticket.
 *
 *   npm run bench:inbound -- [--dialects sqlite,postgres] [--duration 10] [--rounds 2]
 *                            [--connections 10,100] [--quick] [--imap 500] [--cpu-prof] [--routes http]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { Dialect } from '../src/db/connect.js';
import { systemClock } from '../src/services/context.js';
import { createApiToken } from '../src/services/tokens.js';
import { type BenchDatabase, createBenchDatabase, dropAll } from './lib/db.js';
import { fmtMs, hasFlag, listFlag, numberFlag, printTable, verdict } from './lib/report.js';
import { type BenchServer, ROOT, startBenchServer } from './lib/server.js';
import { browserCredentials, customerMail, type Run as BenchRun, runOf, startCloser, ticketForm } from './lib/workload.js';
import { seed } from './seed.js';
import { imapIntake } from './lib/imapIntake.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const duration = numberFlag(args, 'duration', quick ? 5 : 10);
const rounds = numberFlag(args, 'rounds', quick ? 1 : 2);
const connectionLevels = listFlag(args, 'connections', ['10', '100']).map(Number);
const imapMails = numberFlag(args, 'imap', 0);
// --cpu-prof: the server's CPU profile in bench/profiles/ (with --routes http, of mail intake alone).
const cpuProf = hasFlag(args, 'cpu-prof');
const routes = listFlag(args, 'routes', ['form', 'http']) as Route[];

const HISTORY = 20_000;
const RUN_ID = randomBytes(4).toString('hex');
let mailCount = 0;

type Route = 'form' | 'http';

type Run = BenchRun<Route>;

interface Credentials {
  cookie: string;
  csrf: string;
  admin: { authorization: string };
  inbound: string;
}

async function cannon(server: BenchServer, route: Route, connections: number, credentials: Credentials, seconds: number): Promise<Run> {
  const requests =
    route === 'form'
      ? ['high', 'medium', 'low'].map((priority) => ({
          method: 'POST' as const,
          path: '/tickets/create/',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: credentials.cookie },
          body: ticketForm(priority, credentials.csrf),
        }))
      : [
          {
            method: 'POST' as const,
            path: '/api/v1/inbound/email',
            headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${credentials.inbound}` },
            setupRequest: (request: autocannon.Request) => ({ ...request, body: customerMail(mailCount++, RUN_ID) }),
          },
        ];
  const result = await autocannon({ url: server.url, connections, duration: seconds, requests });
  return runOf(route, connections, result, route === 'form' ? '303' : '200');
}

async function countTickets(database: BenchDatabase): Promise<{ tickets: number; mails: number }> {
  const { rows } = await sql<{ t: number; m: number }>`select (select count(*) from tickets) as t, (select count(*) from inbound_mails where result = 'created') as m`.execute(database.handle.db);
  return { tickets: Number(rows[0]!.t), mails: Number(rows[0]!.m) };
}

async function benchDialect(dialect: Dialect): Promise<{ runs: Run[]; imap: { mails: number; seconds: number } | null; memory: { peakMb: number; rssMb: number } }> {
  const database = await createBenchDatabase(dialect, 'inbound');
  let server: BenchServer | undefined;
  try {
    const seeded = await seed(database.handle, { tickets: HISTORY, closedFraction: 1, agents: 10, capacity: 1_000, freshAgents: 0 });
    await database.handle.db.updateTable('settings').set({ sla_high_seconds: 86_400, sla_medium_seconds: 86_400, sla_low_seconds: 86_400 }).execute();
    // Every mail is a new sender's first ticket or close to it; the hourly cap is not what is measured.
    const profileDir = join(ROOT, 'bench', 'profiles');
    if (cpuProf) mkdirSync(profileDir, { recursive: true });
    server = await startBenchServer(database.url, { INBOUND_TICKETS_PER_HOUR: '1000000' }, cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    const ctx = { handle: database.handle, clock: systemClock, publicUrl: server.url };
    const credentials: Credentials = {
      ...(await browserCredentials(server)),
      admin: { authorization: `Bearer ${(await createApiToken(ctx, seeded.adminId, 'bench:inbound')).token}` },
      inbound: (await createApiToken(ctx, seeded.adminId, 'bench:inbound mail', 'inbound')).token,
    };
    const closer = startCloser(server, credentials.admin, database);
    const before = await countTickets(database);
    const runs: Run[] = [];
    let warmOk = 0;
    for (const connections of connectionLevels) {
      for (const route of routes) warmOk += (await cannon(server, route, connections, credentials, 2)).ok;
      for (let round = 0; round < rounds; round++) {
        for (const route of routes) runs.push(await cannon(server, route, connections, credentials, duration));
      }
    }
    await closer.stop();
    // With the parse thread (src/mail/inbound/mimeThread.ts) and every mail's raw bytes in hand.
    const memory = server.memory();
    // The thread falling back to the main thread would change what is measured: say so.
    const threadNews = server.output().split('\n').filter((line) => line.includes('mail parser thread'));
    if (threadNews.length > 0) console.warn(`${dialect}: ${threadNews.slice(0, 3).join('\n')}`);
    const after = await countTickets(database);
    const answered = runs.reduce((s, r) => s + r.ok, 0) + warmOk;
    // Requests in flight when autocannon stops a run still commit (at most one per connection).
    const slack = Math.max(...connectionLevels) * (rounds + 1) * connectionLevels.length * 2;
    const stored = after.tickets - before.tickets;
    if (stored < answered || stored > answered + slack) throw new Error(`${answered} requests answered as created but ${stored} tickets were stored`);
    const bad = runs.filter((r) => r.other > 0);
    if (bad.length > 0) throw new Error(`unexpected answers: ${JSON.stringify(bad)}\n${server.output().slice(-2000)}`);
    await server.stop();
    server = undefined;
    const imap = imapMails > 0 ? await imapIntake(database, imapMails, (n) => customerMail(n, `${RUN_ID}-imap`)) : null;
    return { runs, imap, memory };
  } finally {
    await server?.stop();
    await database.drop();
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:inbound: ${connectionLevels.join(' and ')} connections, ${rounds} round(s) of ${duration} s per route and level (alternating, after 2 s warm-ups), 10 agents available` +
      `${imapMails > 0 ? `, then ${imapMails} mails through IMAP` : ''}; node ${process.version}, ${(await import('node:os')).cpus().length} cores`,
  );
  const rows: string[][] = [];
  const summary: string[][] = [];
  const memoryLines: string[] = [];
  for (const dialect of dialects) {
    const { runs, imap, memory } = await benchDialect(dialect);
    memoryLines.push(`${dialect}: server peak RSS ${memory.peakMb.toFixed(0)} MB, ${memory.rssMb.toFixed(0)} MB after the runs`);
    for (const run of runs) rows.push([dialect, String(run.connections), run.route, run.rps.toFixed(0), `${run.p50} ms`, `${run.p99} ms`, String(run.ok)]);
    const formRps: number[] = [];
    for (const connections of connectionLevels) {
      const of = (route: Route) => runs.filter((r) => r.route === route && r.connections === connections);
      const rps = (route: Route) => of(route).reduce((s, r) => s + r.ok, 0) / of(route).reduce((s, r) => s + r.seconds, 0);
      const mean = (route: Route, pick: (r: Run) => number) => of(route).reduce((s, r) => s + pick(r), 0) / of(route).length;
      const ratio = rps('http') / rps('form');
      formRps.push(rps('form'));
      summary.push([
        dialect,
        `http, ${connections} connections`,
        `${rps('http').toFixed(0)} mails/s`,
        `${rps('form').toFixed(0)} tickets/s`,
        `${(ratio * 100).toFixed(0)} %`,
        `${fmtMs(mean('http', (r) => r.p50))} / ${fmtMs(mean('http', (r) => r.p99))}`,
        verdict(ratio >= 0.5),
      ]);
    }
    if (imap) {
      // The watcher is one client handling its mailbox: set against the form at the fewest connections.
      const form = formRps[0]!;
      const rate = imap.mails / imap.seconds;
      summary.push([dialect, `imap, ${imap.mails} mails`, `${rate.toFixed(0)} mails/s`, `${form.toFixed(0)} tickets/s`, `${((rate / form) * 100).toFixed(0)} %`, '-', verdict(rate / form >= 0.5)]);
    }
  }
  console.log('\nRuns (in the order run):');
  printTable(['engine', 'connections', 'route', 'req/s', 'p50', 'p99', 'ok'], rows);
  console.log('\nSummary (target: mail intake ≥ 50 % of form intake):');
  printTable(['engine', 'source', 'mail', 'form', 'mail/form', 'mail p50/p99', 'target'], summary);
  console.log(`\n${memoryLines.join('\n')}\nLoad average at the end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await dropAll();
  process.exitCode = 1;
});
