/**
 * The audit log's list stays flat however long the log (SPEC §15; README, "Audit log"). For each
 * engine two scratch databases are seeded with entries only (default 1,000 and 1,000,000; --sizes
 * picks others), the real server is started on each, and each request below is made `--runs` times
 * (after two warm-ups), the two servers in turn so that they share the machine's noise; its median
 * wall time is reported beside GET /healthz measured in the same loop (the request floor of the
 * moment), then the ratio of the large log's time to the small one's. Target: every ratio ≤ 1.5.
 *
 * The seeded log, one entry a second up to now, in a fixed mix per thousand: 600 sign-ins of 20
 * agents (agent00…agent19), 100 refused sign-ins naming those usernames (no actor: the name is the
 * subject), 100 sign-outs, 100 reassignments, 50 user updates, 30 exports, 20 topic updates; and 60
 * entries spread evenly over the whole log whatever its length, settings updates by `rare-ann`, who
 * does nothing else. So every filter below has at least a page of 50 entries in both logs (the
 * pages compared render as many rows), and the rare ones are 60 in 1,000 against 60 in 1,000,000:
 * what is measured is finding them.
 * Requests, the page /admin/audit/ (HTML) and GET /api/v1/audit (JSON), a page of 50 each:
 * - unfiltered (the newest entries);
 * - by who: `actor=rare-ann` (rare) and `actor=agent07` (5 %: what agent07 did, and the refused
 *   sign-ins naming agent07);
 * - by action: `action=settings.update` (rare) and `action=sign_in.failed` (10 %);
 * - by family: `action=settings` (rare) and `action=user` (5 %: every `user.…`);
 * - by date: `from=` and `to=` the UTC day of the entry 15 % into the log (at 1,000,000 entries,
 *   about ten days before now; at 1,000, a few minutes after the log's start): a full page either
 *   way, the large log's far from its newest entry.
 *
 *   npm run bench:audit -- [--dialects sqlite,postgres] [--sizes 1000,1000000] [--runs 9] [--quick] [--only date,who]
 * --quick: sizes 1,000 and 100,000, 5 runs. --only: the requests whose name starts with one of these.
 */
import { sql } from 'kysely';
import type { Dialect } from '../src/db/connect.js';
import { systemClock } from '../src/services/context.js';
import { createApiToken } from '../src/services/tokens.js';
import { BenchClient, expectStatus } from './lib/client.js';
import { type BenchDatabase, createBenchDatabase, runBench } from './lib/db.js';
import { fmtMs, fmtRatio, hasFlag, listFlag, median, numberFlag, printTable, ratioVerdict } from './lib/report.js';
import { type BenchServer, startBenchServer } from './lib/server.js';
import { BENCH_ADMIN_PASSWORD } from './seed.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const [smallSize, largeSize] = listFlag(args, 'sizes', quick ? ['1000', '100000'] : ['1000', '1000000']).map(Number) as [number, number];
const runs = numberFlag(args, 'runs', quick ? 5 : 9);
const only = listFlag(args, 'only', []);
const TARGET = 1.5;
const NOW = Date.now();

/** The UTC day (YYYY-MM-DD) of the entry 15 % into a log of `size` entries (seedLog's times). */
function dayInto(size: number): string {
  const day = new Date(NOW - size * 1000 + Math.floor(size * 0.15) * 1000).toISOString().slice(0, 10);
  return `from=${day}&to=${day}`;
}

/** The filters measured, as the page and the API take them: a query, or one per log size. */
const FILTERS: [string, string | ((size: number) => string)][] = [
  ['unfiltered', ''],
  ['who: rare-ann (rare)', 'actor=rare-ann'],
  ['who: agent07 (common)', 'actor=agent07'],
  ['action: settings.update (rare)', 'action=settings.update'],
  ['action: sign_in.failed (common)', 'action=sign_in.failed'],
  ['family: settings (rare)', 'action=settings'],
  ['family: user (common)', 'action=user'],
  ['date: a day 15 % into the log', dayInto],
];
/** How many entries the rare actor, action and family have, in a log of any length. */
const RARE = 60;

/** Entry n's action, actor and subject: the mix of the header (`step`: the rare entries' spacing). */
function entryColumns(step: number) {
  const slot = sql`(n % 1000)`;
  const rare = sql`(n % ${sql.lit(step)} = 0)`;
  const agent = sql`'agent' || substr('0' || (n % 20), -2, 2)`;
  const action = sql`case when ${rare} then 'settings.update' when ${slot} < 600 then 'sign_in' when ${slot} < 700 then 'sign_in.failed' when ${slot} < 800 then 'sign_out'
    when ${slot} < 900 then 'ticket.reassign' when ${slot} < 950 then 'user.update' when ${slot} < 980 then 'export.tickets' else 'topic.update' end`;
  const failed = sql`(not ${rare} and ${slot} >= 600 and ${slot} < 700)`;
  return {
    action,
    actorId: sql`case when ${rare} then 999 when ${failed} then null else 1000 + n % 20 end`,
    actorName: sql`case when ${rare} then 'rare-ann' when ${failed} then '' else ${agent} end`,
    subject: sql`case when ${rare} then 'settings' when ${failed} then ${agent} when ${slot} < 900 and ${slot} >= 800 then 'ticket:HD-' || n else 'user:' || (1000 + n % 20) end`,
  };
}

/** `size` entries, one a second up to now (the server's own sign-ins come after them). */
async function seedLog(database: BenchDatabase, size: number): Promise<void> {
  const { db } = database.handle;
  const c = entryColumns(Math.floor(size / RARE));
  const after = `{"capacity":5,"display_name":"A name of some length","teams":["Support","Billing"]}`;
  const rows = sql`select ${sql.lit(NOW - size * 1000)} + n * 1000, ${c.actorId}, ${c.actorName}, ${c.action}, ${c.subject}, '198.51.100.7', null, ${after}`;
  const into = sql`insert into audit_log (at, actor_id, actor_name, action, subject, address, before_json, after_json)`;
  if (database.dialect === 'postgres') {
    await sql`${into} ${rows} from generate_series(1, ${size}) n`.execute(db);
    await sql`vacuum analyze audit_log`.execute(db);
  } else {
    await sql`${into} with recursive s(n) as (select 1 union all select n + 1 from s where n < ${size}) ${rows} from s`.execute(db);
    await sql`analyze`.execute(db);
  }
}

interface Site {
  size: number;
  database: BenchDatabase;
  server: BenchServer;
  page: BenchClient;
  api: BenchClient;
}

/** A seeded database of `size` entries. */
async function seededDatabase(dialect: Dialect, size: number): Promise<BenchDatabase> {
  const database = await createBenchDatabase(dialect, `audit${size}`);
  const started = performance.now();
  await seedLog(database, size);
  console.log(`  ${dialect} ${size}: seeded in ${fmtMs(performance.now() - started)}`);
  return database;
}

/** The server on a seeded database, its admin signed in on the page and holding an API token. */
async function startSite(database: BenchDatabase, size: number): Promise<Site> {
  const server = await startBenchServer(database.url);
  const page = new BenchClient(server.url);
  await page.login('admin', BENCH_ADMIN_PASSWORD);
  const admin = await database.handle.db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
  const ctx = { handle: database.handle, clock: systemClock, publicUrl: server.url };
  const api = new BenchClient(server.url, { authorization: `Bearer ${(await createApiToken(ctx, admin.id, 'bench:audit')).token}` });
  return { size, database, server, page, api };
}

/** The median of `path` on each site, the sites in turn; and of /healthz, in the same loop. */
async function measure(sites: Site[], client: (site: Site) => BenchClient, path: (site: Site) => string): Promise<{ ms: number[]; floor: number[] }> {
  const times = sites.map(() => [] as number[]);
  const floors = sites.map(() => [] as number[]);
  for (let run = -2; run < runs; run++) {
    for (const [i, site] of sites.entries()) {
      const ms = expectStatus(await client(site).get(path(site)), 200, `${site.size}: ${path(site)}`).ms;
      const floor = expectStatus(await site.page.get('/healthz'), 200, '/healthz').ms;
      if (run >= 0) {
        times[i]!.push(ms);
        floors[i]!.push(floor);
      }
    }
  }
  return { ms: times.map(median), floor: floors.map(median) };
}

async function main(): Promise<void> {
  console.log(`bench:audit — the audit log's page and API, ${largeSize} entries against ${smallSize}; median of ${runs} after 2 warm-ups; node ${process.version}`);
  let ok = true;
  for (const dialect of dialects) {
    const databases: BenchDatabase[] = [];
    const sites: Site[] = [];
    try {
      // Every database seeded before any server starts: a server is not left idle through a long seed.
      for (const size of [smallSize, largeSize]) databases.push(await seededDatabase(dialect, size));
      for (const [i, size] of [smallSize, largeSize].entries()) sites.push(await startSite(databases[i]!, size));
      const rows: string[][] = [];
      for (const [name, query] of FILTERS.filter(([name]) => only.length === 0 || only.some((start) => name.startsWith(start)))) {
        for (const [kind, path, client] of [
          ['page', '/admin/audit/', (s: Site) => s.page],
          ['API', '/api/v1/audit', (s: Site) => s.api],
        ] as const) {
          const queryOf = (site: Site) => (typeof query === 'string' ? query : query(site.size));
          const { ms, floor } = await measure(sites, client, (site) => (queryOf(site) === '' ? path : `${path}?${queryOf(site)}`));
          const ratio = ms[1]! / ms[0]!;
          ok &&= ratio <= TARGET;
          rows.push([`${kind}, ${name}`, fmtMs(ms[1]!), fmtMs(ms[0]!), `${fmtMs(floor[1]!)} · ${fmtMs(floor[0]!)}`, fmtRatio(ratio), ratioVerdict(ratio, (r) => r <= TARGET)]);
        }
      }
      console.log(`\n${dialect}`);
      printTable(['request', `${largeSize} entries`, `${smallSize} entries`, 'GET /healthz (large · small)', 'ratio', `target (≤ ${TARGET}×)`], rows);
    } catch (error) {
      for (const site of sites) if (site.server.child.exitCode !== null) console.error(`the server of ${site.size} entries exited (${site.server.child.exitCode}):\n${site.server.output()}`);
      throw error;
    } finally {
      for (const site of sites) await site.server.stop();
      for (const database of databases) await database.drop();
    }
  }
  if (!ok) process.exitCode = 1;
}

await runBench(main);
