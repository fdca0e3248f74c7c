/**
 * Keeping the webhook history bounded (WEBHOOKS_HISTORY_DAYS; src/repositories/webhookHistory.ts):
 * what an hourly pass costs, and that it stays flat however much history is kept. The same pass
 * drops the same old rows — `--old` events (one group commit per 50 on PostgreSQL) with 3 delivered
 * log rows each, one per endpoint — on two databases: the baseline holds them and 1,000 newer
 * events; the other holds them and `--kept` newer events (3 log rows each too). Every lane has
 * passed every event. Target: the pass on the large database within 1.5× the baseline's time.
 *
 *   npm run bench:webhook-history -- [--dialects sqlite,postgres] [--old 20000] [--kept 1000000] [--rounds 2] [--quick]
 * --quick: --kept 200000, one round.
 */
import { sql } from 'kysely';
import type { Dialect } from '../src/db/connect.js';
import { pruneWebhookHistory } from '../src/repositories/webhookHistory.js';
import { insertEndpoint } from '../src/repositories/webhooks.js';
import { type BenchDatabase, createBenchDatabase } from './lib/db.js';
import { fmtMs, fmtRatio, hasFlag, listFlag, numberFlag, printTable, verdict } from './lib/report.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const old = numberFlag(args, 'old', 20_000);
const kept = numberFlag(args, 'kept', quick ? 200_000 : 1_000_000);
const rounds = numberFlag(args, 'rounds', quick ? 1 : 2);
const BASELINE_KEPT = 1_000;
const PER_COMMIT = 50;
const DAY = 86_400_000;
const NOW = Date.now();
const CUTOFF = NOW - 30 * DAY;
/** A ticket-sized body (the API's shape of a ticket is about this long). */
const PAYLOAD = JSON.stringify({ type: 'ticket.created', timestamp: new Date(NOW).toISOString(), data: { title: 'The printer on the third floor', description: 'x'.repeat(500) } });

/** A database with `old` events written 40 days ago and `newer` in the last days, 3 delivered log rows each, every lane past them (dropped again if seeding fails). */
async function seeded(dialect: Dialect, newer: number): Promise<BenchDatabase> {
  const database = await createBenchDatabase(dialect, 'history');
  try {
    await seed(database, newer);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return database;
}

async function seed(database: BenchDatabase, newer: number): Promise<void> {
  const { dialect } = database;
  const { db } = database.handle;
  const pg = dialect === 'postgres';
  for (const n of [1, 2, 3]) await insertEndpoint(db, { url: `https://hooks.example.com/${n}`, events: '*', secret: 'whsec_x', active: true, now: NOW });
  const total = old + newer;
  // The old ones first (they are written first), then the newer ones spread over the last 29 days.
  const at = sql`(case when n <= ${old} then ${sql.lit(NOW - 40 * DAY)} + n else ${sql.lit(NOW - 29 * DAY)} + (n - ${old}) * 1.0 * ${sql.lit(Math.floor((29 * DAY) / Math.max(newer, 1)))} end)`;
  if (pg) {
    await sql`alter table webhook_events disable trigger webhook_events_commit_position`.execute(db);
    await sql`insert into webhook_commits (txid) select g from generate_series(1, ${Math.ceil(total / PER_COMMIT)}) g`.execute(db);
    await sql`insert into webhook_events (message_id, event, ticket_id, payload, created_at, endpoint_ids, txid)
      select 'msg_' || n, 'ticket.created', n, ${PAYLOAD}, ${at}, ',1,2,3,', 1 + (n - 1) / ${PER_COMMIT} from generate_series(1, ${total}) n`.execute(db);
    await sql`alter table webhook_events enable trigger webhook_events_commit_position`.execute(db);
  } else {
    await sql`insert into webhook_events (message_id, event, ticket_id, payload, created_at, endpoint_ids, txid)
      with recursive s(n) as (select 1 union all select n + 1 from s where n < ${total})
      select 'msg_' || n, 'ticket.created', n, ${PAYLOAD}, ${at}, ',1,2,3,', 0 from s`.execute(db);
  }
  await sql`insert into webhook_deliveries (endpoint_id, event_id, event, message_id, ticket_id, status, attempts, next_attempt_at, created_at, delivered_at, response_status)
    select e.id, ev.id, ev.event, ev.message_id, ev.ticket_id, 'delivered', 1, ev.created_at, ev.created_at, ev.created_at, 204
    from webhook_events ev cross join webhook_endpoints e order by ev.id, e.id`.execute(db);
  const end = pg ? sql`(select max(position) from webhook_commits)` : sql`0`;
  await sql`update webhook_endpoints set cursor_position = ${end}, cursor_id = ${pg ? 2_147_483_647 : sql`(select max(id) from webhook_events)`}`.execute(db);
  await sql.raw(pg ? 'vacuum analyze webhook_events, webhook_deliveries, webhook_commits, webhook_endpoints' : 'analyze').execute(db);
}

/** One pass over a seeded database: its time, and that it dropped exactly the old rows. */
async function pass(database: BenchDatabase): Promise<number> {
  const started = performance.now();
  const pruned = await pruneWebhookHistory(database.handle, CUTOFF);
  const ms = performance.now() - started;
  const commits = database.dialect === 'postgres' ? old / PER_COMMIT : 0;
  if (pruned.events !== old || pruned.deliveries !== 3 * old || pruned.commits !== commits) throw new Error(`dropped ${JSON.stringify(pruned)}, expected ${old} events, ${3 * old} log rows, ${commits} commits`);
  return ms;
}

console.log(`bench:webhook-history: ${old} old events (${3 * old} log rows) dropped, beside ${BASELINE_KEPT} or ${kept} newer ones kept; ${rounds} round(s); node ${process.version}`);
const rows: string[][] = [];
for (const dialect of dialects) {
  for (let round = 1; round <= rounds; round++) {
    const times: number[] = [];
    for (const newer of [BASELINE_KEPT, kept]) {
      const database = await seeded(dialect, newer);
      try {
        times.push(await pass(database));
      } finally {
        await database.drop();
      }
    }
    const [baseline, large] = times as [number, number];
    rows.push([dialect, String(round), fmtMs(large), fmtMs(baseline), fmtRatio(large / baseline), verdict(large <= 1.5 * baseline)]);
  }
}
printTable(['engine', 'round', `pass, ${kept} kept`, `baseline, ${BASELINE_KEPT} kept`, 'ratio', 'target (≤ 1.5×)'], rows);
