/**
 * Flat cost at millions of tickets. For each engine and each size (default N = 10 000 and
 * 1 000 000) a scratch database is seeded (bench/seed.ts: 80 % closed, 40 agents full, the rest a
 * queue of pending tickets ~20 % of N deep, ~3.2 events per ticket), the real server is started on
 * it, and each page below is requested `--runs` times (after two warm-up requests), the sizes'
 * servers in turn, so that they share the machine's noise; its median wall time is reported, then
 * the ratio of the largest size to the smallest.
 * Target: every ratio ≤ 2. Beside every figure: GET /healthz (one `select 1`), measured in the same
 * loop, the request floor of this machine at that moment. Peak RSS of the server (VmHWM) is read
 * after each size (target ≤ 250 MB at 1M).
 *
 * Pages (as a browser or API client asks for them):
 * - admin dashboard: /adminapp/dashboard/ (HTML, window all, the default), its JSON feed
 *   /adminapp/dashboard/data.json (all) and, for comparison, ?window=24h; GET /api/v1/stats (all
 *   and 7d), whose csat figures (§13, a third of the closed tickets rated) come from csat_summary;
 * - the customer's rating page of a closed ticket (§13), the link of the closed email;
 * - agent dashboard: /agents/dashboard/ of agent001 (5 open tickets, N × 0.8 / 40 closed ones);
 * - agent login: POST /agents/login/ of an agent with no ticket, who pulls 5 tickets from the head
 *   of the queue (R2) — each run a different agent; and the same pull without the password hash,
 *   PUT /api/v1/agents/me/presence {"status":"available"} with a bearer token;
 * - /admin/tickets/ filtered (state=pending; priority=high) and deep (priority=high after id N/100,
 *   agent=agent005 after id N/100: a page of the oldest tickets, as following "next" would reach);
 * - GET /api/v1/tickets filtered (admin: status=open&priority=high; state=closed&agent=agent005
 *   with a deep cursor; an agent's own view, which merges its tickets with the pending ones);
 * - search (issue 21): the agent dashboard's search box for a word common to a quarter of the
 *   tickets and for the same word misspelt (corrected: README, "Search"), and `q` on GET
 *   /api/v1/tickets (admin: that word; agent: a phrase);
 * - conversations (§9): the staff ticket page /agents/tickets/<id>/ and GET
 *   /api/v1/tickets/HD-<id>/messages, each for a ticket with 3 messages and one with 500 (the
 *   seed's threads hold 6 per handled ticket: 5M messages at 1M tickets). Beside the sizes'
 *   ratio, the 500/3 ratio of each is printed (target ≤ 2 too: long threads page, never load whole).
 *
 * Open backlog (--backlog K): beside each size, a second database seeded the same plus K times its
 * open tickets more, pending, created in one burst a second before the run and all inside their
 * SLA (low priority: an hour), so none is breached yet. The all-time dashboard (HTML and JSON) is
 * requested from both in turn; the table gives the ratio with the burst to without (target ≤ 1.5:
 * the overdue count reads recorded breaches, not the open tickets not yet due).
 *
 *   npm run bench:scale -- [--dialects sqlite,postgres] [--sizes 10000,1000000] [--runs 9] [--quick] [--backlog 30]
 * --quick: sizes 10 000 and 100 000, 5 runs. --explain: print the plans of the all-time dashboard's reads of tickets.
 */
import { CompiledQuery } from 'kysely';
import { bucketLowerBound, locateRank } from '../src/core/resolution-histogram.js';
import type { Db, Dialect } from '../src/db/connect.js';
import { encodeCursor } from '../src/http/api-shapes.js';
import { systemClock, type ServiceContext } from '../src/services/context.js';
import { durationAtQuery, RESOLUTION } from '../src/repositories/durationQuantiles.js';
import { unmarkedOverdueQuery } from '../src/repositories/stats.js';
import { createApiToken } from '../src/services/tokens.js';
import { csatToken, ratingPath } from '../src/services/csat.js';
import { BenchClient, expectStatus } from './lib/client.js';
import { createBenchDatabase, databaseSizeMb, dropAll } from './lib/db.js';
import { fmtMs, fmtRatio, hasFlag, listFlag, median, numberFlag, printTable, verdict } from './lib/report.js';
import { type BenchServer, startBenchServer } from './lib/server.js';
import { BENCH_ADMIN_PASSWORD, BENCH_AGENT_PASSWORD, seed } from './seed.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const sizes = listFlag(args, 'sizes', quick ? ['10000', '100000'] : ['10000', '1000000']).map(Number);
const runs = numberFlag(args, 'runs', quick ? 5 : 9);
const explain = hasFlag(args, 'explain');
const backlog = numberFlag(args, 'backlog', 0);
/** The all-time dashboard's pages (the first two of every site): what --backlog compares. */
const BACKLOG_PAGES = 2;

interface Measure {
  name: string;
  /** Median wall time of the page, ms. */
  ms: number;
  /** Median of GET /healthz interleaved with it, ms. */
  floorMs: number;
}

interface Page {
  name: string;
  /** One request (run −2 and −1 are the warm-ups); its wall time in ms. */
  request(run: number): Promise<number>;
}

/** One size: its database, its server and the pages to request from it. */
interface Site {
  size: number;
  seedMs: number;
  dbMb: number;
  pending: number;
  server: BenchServer;
  floor: BenchClient;
  pages: Page[];
  /** Checks after the runs (the logins pulled from the queue). */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** One size's site; with `backlog` > 0, its open tickets × backlog more in one burst (only the dashboard pages are asked). */
async function openSite(dialect: Dialect, size: number, backlog = 0): Promise<Site> {
  const database = await createBenchDatabase(dialect, `scale${size}${backlog > 0 ? 'burst' : ''}`);
  let server: BenchServer | undefined;
  try {
    // Fresh agents: two warm-ups + runs logins, as many presence changes.
    const logins = runs + 2;
    const open = size - Math.floor(size * 0.8);
    const seeded = await seed(database.handle, { tickets: size, freshAgents: 2 * logins, burst: backlog * open });
    const dbMb = await databaseSizeMb(database);
    console.log(`  ${dialect} ${size}: seeded in ${fmtMs(seeded.ms)} (${seeded.closed} closed, ${seeded.assigned} with agents, ${seeded.pending} pending, ${seeded.events} events; ${dbMb.toFixed(0)} MB)`);

    const ctx: ServiceContext = { handle: database.handle, clock: systemClock, publicUrl: 'http://bench' };
    const adminToken = (await createApiToken(ctx, seeded.adminId, 'bench')).token;
    const agentToken = (await createApiToken(ctx, seeded.agentIds[0]!, 'bench')).token;
    const loginAgents = seeded.freshAgentIds.slice(0, logins);
    const presenceTokens: string[] = [];
    for (const id of seeded.freshAgentIds.slice(logins)) presenceTokens.push((await createApiToken(ctx, id, 'bench')).token);
    const usernameOf = async (id: number) => (await database.handle.db.selectFrom('users').select('username').where('id', '=', id).executeTakeFirstOrThrow()).username;
    const loginNames = await Promise.all(loginAgents.map(usernameOf));

    const threads = await seedThreadsToMeasure(database.handle.db, seeded.adminId);
    // The oldest closed ticket: its rating page (§13) is found by id, however many tickets there are.
    const rateable = await database.handle.db.selectFrom('tickets').select(['id', 'token']).where('status', '=', 'closed').orderBy('id').executeTakeFirstOrThrow();

    server = await startBenchServer(database.url);
    const base = server.url;
    const admin = new BenchClient(base);
    await admin.login('admin', BENCH_ADMIN_PASSWORD);
    const agent = new BenchClient(base);
    await agent.login('agent001', BENCH_AGENT_PASSWORD);
    const api = new BenchClient(base, { authorization: `Bearer ${adminToken}` });
    const agentApi = new BenchClient(base, { authorization: `Bearer ${agentToken}` });
    const deep = Math.max(2, Math.floor(size / 100));
    const get = (name: string, client: BenchClient, path: string): Page => ({ name, request: async () => expectStatus(await client.get(path), 200, path).ms });

    const pages: Page[] = [
      get('admin dashboard /adminapp/dashboard/ (all)', admin, '/adminapp/dashboard/'),
      get('admin dashboard JSON data.json (all)', admin, '/adminapp/dashboard/data.json'),
      get('admin dashboard JSON data.json?window=24h', admin, '/adminapp/dashboard/data.json?window=24h'),
      // §13's satisfaction figures ride in every stats object: all time from csat_summary.
      get('GET /api/v1/stats (all, with csat)', api, '/api/v1/stats'),
      get('GET /api/v1/stats?window=7d', api, '/api/v1/stats?window=7d'),
      get('customer rating page /tickets/rate/<token>/', new BenchClient(base), `${ratingPath(csatToken(rateable))}?score=good`),
      get('agent dashboard /agents/dashboard/', agent, '/agents/dashboard/'),
      {
        name: 'agent login, pulls 5 from the queue',
        request: async (run) => {
          const client = new BenchClient(base);
          const form = expectStatus(await client.get('/agents/login/'), 200, 'login page');
          const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
          const answer = await client.postForm('/agents/login/', { username: loginNames[run + 2]!, password: BENCH_AGENT_PASSWORD, _csrf: csrf });
          return expectStatus(answer, 303, 'login').ms;
        },
      },
      {
        name: 'presence → available (API), pulls 5',
        request: async (run) => {
          const client = new BenchClient(base, { authorization: `Bearer ${presenceTokens[run + 2]!}` });
          const answer = await client.request('PUT', '/api/v1/agents/me/presence', { body: JSON.stringify({ status: 'available' }), headers: { 'content-type': 'application/json' } });
          return expectStatus(answer, 200, 'presence').ms;
        },
      },
      get('/admin/tickets/?state=pending', admin, '/admin/tickets/?state=pending'),
      get('/admin/tickets/?priority=high', admin, '/admin/tickets/?priority=high'),
      get('/admin/tickets/?priority=high&after=N/100 (deep)', admin, `/admin/tickets/?priority=high&after=${deep}`),
      get('/admin/tickets/?agent=agent005&after=N/100 (deep)', admin, `/admin/tickets/?agent=agent005&after=${deep}`),
      get('GET /api/v1/tickets?status=open&priority=high', api, '/api/v1/tickets?status=open&priority=high'),
      get('GET /api/v1/tickets?state=closed&agent=… deep cursor', api, `/api/v1/tickets?state=closed&agent=agent005&cursor=${encodeCursor(deep)}`),
      get('GET /api/v1/tickets (agent: own + pending)', agentApi, '/api/v1/tickets'),
      get('agent dashboard search ?q=printer', agent, '/agents/dashboard/?q=printer'),
      get('agent dashboard search ?q=pritner (typo, corrected)', agent, '/agents/dashboard/?q=pritner'),
      get('GET /api/v1/tickets?q=printer (admin)', api, '/api/v1/tickets?q=printer'),
      get('GET /api/v1/tickets?q="wrong amount" (agent)', agentApi, `/api/v1/tickets?q=${encodeURIComponent('"wrong amount"')}`),
      ...threads.flatMap(({ label, ticketId }) => [
        get(`staff ticket page, ${label}`, admin, `/agents/tickets/${ticketId}/`),
        get(`GET …/messages (API), ${label}`, api, `/api/v1/tickets/HD-${ticketId}/messages`),
      ]),
    ];
    const running = server;
    return {
      size,
      seedMs: seeded.ms,
      dbMb,
      pending: seeded.pending,
      server: running,
      floor: new BenchClient(base),
      pages,
      verify: async () => {
        if (backlog > 0) return;
        // Every login and presence change above really pulled five tickets from the queue.
        const pulled = await database.handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).where('agent_id', 'in', seeded.freshAgentIds).where('status', '=', 'open').executeTakeFirstOrThrow();
        if (Number(pulled.n) !== 5 * 2 * logins) throw new Error(`fresh agents hold ${pulled.n} tickets, expected ${5 * 2 * logins}`);
        if (explain) await explainDashboard(database.handle.db, dialect);
      },
      close: async () => {
        await running.stop();
        await database.drop();
      },
    };
  } catch (error) {
    await server?.stop();
    await database.drop();
    throw error;
  }
}

/**
 * Two threads to measure: the newest pending ticket given two more messages (3 in all), and the
 * newest closed ticket grown to 500 messages, written as a long conversation would be.
 */
async function seedThreadsToMeasure(db: Db, adminId: number): Promise<{ label: string; ticketId: number }[]> {
  const newest = async (status: 'open' | 'closed') =>
    (await db.selectFrom('tickets').select(['id', 'created_at']).where('status', '=', status).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow());
  const short = await newest('open');
  const long = await newest('closed');
  const count = async (ticketId: number) => Number((await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('ticket_id', '=', ticketId).executeTakeFirstOrThrow()).n);
  const grow = async (ticket: { id: number; created_at: number }, to: number) => {
    const have = await count(ticket.id);
    const rows = Array.from({ length: to - have }, (_, k) => {
      const kind = k % 3 === 0 ? ('customer' as const) : k % 3 === 1 ? ('reply' as const) : ('note' as const);
      return { ticket_id: ticket.id, kind, author_id: kind === 'customer' ? null : adminId, author_name: kind === 'customer' ? 'Customer' : 'Admin', body: `Message ${have + k + 1} of a long conversation about the same problem.`, channel: 'web' as const, created_at: ticket.created_at + 1000 * (have + k + 1) };
    });
    for (let at = 0; at < rows.length; at += 200) await db.insertInto('messages').values(rows.slice(at, at + 200)).execute();
  };
  await grow(short, 3);
  await grow(long, 500);
  return [
    { label: '3 messages', ticketId: short.id },
    { label: '500 messages', ticketId: long.id },
  ];
}

/**
 * Every size's server runs at once and each page is requested from them in turn (small, large,
 * small, large, …, each followed by that server's /healthz), so the sizes share the machine's noise.
 */
async function benchDialect(dialect: Dialect): Promise<{ sites: Site[]; measures: Measure[][]; peaks: number[]; bursts: Site[] }> {
  const sites: Site[] = [];
  // With --backlog: each size's twin with the burst, asked only the dashboard pages, in the same rounds.
  const bursts: Site[] = [];
  try {
    for (const size of sizes) sites.push(await openSite(dialect, size));
    if (backlog > 0) for (const size of sizes) bursts.push(await openSite(dialect, size, backlog));
    const all = [...sites, ...bursts];
    const measures: Measure[][] = all.map(() => []);
    for (let p = 0; p < sites[0]!.pages.length; p++) {
      const asked = all.filter((site, k) => k < sites.length || p < BACKLOG_PAGES);
      const times = asked.map(() => [] as number[]);
      const floors = asked.map(() => [] as number[]);
      for (const site of asked) {
        await site.pages[p]!.request(-2);
        await site.pages[p]!.request(-1);
      }
      for (let run = 0; run < runs; run++) {
        for (const [k, site] of asked.entries()) {
          times[k]!.push(await site.pages[p]!.request(run));
          floors[k]!.push(expectStatus(await site.floor.get('/healthz'), 200, 'healthz').ms);
        }
      }
      const line = asked.map((site, k) => {
        measures[k]!.push({ name: site.pages[p]!.name, ms: median(times[k]!), floorMs: median(floors[k]!) });
        return `${site.size}${k >= sites.length ? '+burst' : ''}: ${fmtMs(median(times[k]!)).padStart(8)} (healthz ${fmtMs(median(floors[k]!))})`;
      });
      console.log(`    ${sites[0]!.pages[p]!.name.padEnd(52)} ${line.join('   ')}`);
    }
    for (const site of sites) await site.verify();
    const peaks = sites.map((site) => site.server.memory().peakMb);
    return { sites, measures, peaks, bursts };
  } finally {
    for (const site of [...sites, ...bursts]) await site.close();
  }
}

/** The plans of the dashboard's main aggregate, for the record. */
/** The plans of the all-time dashboard's two queries that read tickets (the rest read summaries). */
async function explainDashboard(db: Db, dialect: Dialect): Promise<void> {
  const histogram = (await db.selectFrom('resolution_histogram').select(['bucket', 'closed']).where('closed', '>', 0).orderBy('bucket').execute()).map((r) => ({ bucket: Number(r.bucket), closed: Number(r.closed) }));
  const n = histogram.reduce((total, r) => total + r.closed, 0);
  const median = locateRank(histogram, Math.floor(0.5 * (n - 1)))!;
  const queries = {
    'open past due, not yet marked': unmarkedOverdueQuery(dialect, Date.now()).compile(db),
    [`median: bucket ${median.bucket} of ${histogram.length}, offset ${median.rank}`]: durationAtQuery(RESOLUTION, dialect, bucketLowerBound(median.bucket), median.rank).compile(db),
  };
  for (const [name, query] of Object.entries(queries)) {
    console.log(`     ${name}:`);
    const explain = dialect === 'postgres' ? 'explain (analyze, buffers) ' : 'explain query plan ';
    const { rows } = await db.executeQuery(CompiledQuery.raw(explain + query.sql, [...query.parameters]));
    for (const row of rows) console.log('      ', Object.values(row as Record<string, unknown>).join(' '));
  }
}

async function main(): Promise<void> {
  console.log(`bench:scale: sizes ${sizes.join(', ')}; ${runs} runs per page (median), after 2 warm-ups, sizes alternating; node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  const summary: string[][] = [];
  const memoryRows: string[][] = [];
  const threadRows: string[][] = [];
  const backlogRows: string[][] = [];
  for (const dialect of dialects) {
    const { sites, measures, peaks, bursts } = await benchDialect(dialect);
    // With the burst against without, at each size (the burst sites' measures follow the plain ones).
    for (const [k, burst] of bursts.entries()) {
      for (let p = 0; p < BACKLOG_PAGES; p++) {
        const plain = measures[k]![p]!;
        const deep = measures[sites.length + k]![p]!;
        backlogRows.push([dialect, String(sites[k]!.size), `${sites[k]!.pending} → ${burst.pending}`, plain.name, fmtMs(plain.ms), fmtMs(deep.ms), fmtRatio(deep.ms / plain.ms), verdict(deep.ms / plain.ms <= 1.5)]);
      }
    }
    const small = measures[0]!;
    const large = measures[sites.length - 1]!;
    for (const [k, m] of large.entries()) {
      const s = small[k]!;
      const ratio = m.ms / s.ms;
      summary.push([dialect, m.name, fmtMs(s.ms), fmtMs(m.ms), fmtRatio(ratio), `${fmtMs(s.floorMs)} / ${fmtMs(m.floorMs)}`, verdict(ratio <= 2)]);
    }
    // Long against short thread, at each size.
    for (const [k, site] of sites.entries()) {
      for (const m of measures[k]!.filter((x) => x.name.endsWith(', 500 messages'))) {
        const short = measures[k]!.find((x) => x.name === m.name.replace('500 messages', '3 messages'))!;
        threadRows.push([dialect, String(site.size), m.name.replace(', 500 messages', ''), fmtMs(short.ms), fmtMs(m.ms), fmtRatio(m.ms / short.ms), verdict(m.ms / short.ms <= 2)]);
      }
    }
    for (const [k, site] of sites.entries()) {
      memoryRows.push([dialect, String(site.size), String(site.pending), `${site.dbMb.toFixed(0)} MB`, fmtMs(site.seedMs), `${peaks[k]!.toFixed(0)} MB`, site.size >= 1_000_000 ? verdict(peaks[k]! <= 250) : '']);
    }
  }
  console.log(`\nLatency, median of ${runs} (target: ${sizes.at(-1)}/${sizes[0]} ratio ≤ 2):`);
  printTable(['engine', 'page', `N=${sizes[0]}`, `N=${sizes.at(-1)}`, 'ratio', 'baseline /healthz (small / large)', 'target'], summary);
  console.log('\nA thread of 500 messages against one of 3 (target: ratio ≤ 2):');
  printTable(['engine', 'tickets', 'page', '3 messages', '500 messages', 'ratio', 'target'], threadRows);
  if (backlog > 0) {
    console.log(`\nOpen backlog ×${backlog} more in one burst, all inside their SLA, against none (target: ratio ≤ 1.5):`);
    printTable(['engine', 'tickets', 'pending (queue)', 'page', 'without', `with the burst`, 'ratio', 'target'], backlogRows);
  }
  console.log('\nDatabase and server memory (peak RSS of each server process, VmHWM, after all its requests; target ≤ 250 MB at 1M):');
  printTable(['engine', 'tickets', 'queue depth', 'database size', 'seed time', 'server peak RSS', 'target'], memoryRows);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await dropAll();
  process.exitCode = 1;
});
