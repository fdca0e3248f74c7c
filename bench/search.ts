/**
 * Search at scale (issue 21): p50 of one page of search results (GET /api/v1/tickets?q=, the
 * repository call behind it) for a word, a phrase, a substring, an email and a rare term (and, as
 * the dashboard searches, a misspelt word corrected and a typo lookup that finds nothing), at two
 * sizes per engine, beside the baseline of the same run: the old `q`, a case-insensitive LIKE
 * over title and customer email (which also searched far less). Also the index build time
 * (search:reindex over the seeded rows) and the index's size beside the tables'.
 *
 *   npm run bench:search                      10 000 and 1 000 000 tickets, both engines
 *   npm run bench:search -- --quick           10 000 and 100 000
 *   npm run bench:search -- --sizes 10000,300000 --dialects sqlite --runs 15
 *
 * Tickets come from bench/seed.ts: 1M tickets hold 5M messages; titles are one of four kinds
 * ("Printer will not print, job N", "Invoice shows the wrong amount, no. N", …), so a common word
 * matches a quarter of all tickets. Targets: p50 ≤ 50 ms, and ≤ 2× from the small size to the big.
 */
import { sql } from 'kysely';
import { parseSearch, type SearchQuery } from '../src/core/search.js';
import type { DbHandle } from '../src/db/connect.js';
import { listTicketsForgiving } from '../src/repositories/searchTypos.js';
import { listTickets, type Viewer } from '../src/repositories/ticketQueries.js';
import { anyContains } from '../src/repositories/textSearch.js';
import { createBenchDatabase } from './lib/db.js';
import { flag, fmtMs, fmtRatio, hasFlag, numberFlag, printTable, p50Of } from './lib/report.js';
import { seed } from './seed.js';

interface Probe {
  name: string;
  q: string;
  /** What the old `q` would have scanned for (title or customer email containing it). */
  baseline: string;
  /** As the dashboard searches: a first page that finds nothing tries typo corrections (repositories/searchTypos.ts). */
  forgiving?: boolean;
}

function probes(tickets: number): Probe[] {
  const rare = String(Math.floor(tickets * 0.987));
  const customer = `customer${Math.floor(Math.min(tickets, 50_000) * 0.37)}@example.com`;
  return [
    { name: 'word', q: 'printer', baseline: 'printer' },
    { name: 'word only in threads', q: 'cables', baseline: 'cables' },
    { name: 'phrase', q: '"wrong amount"', baseline: 'wrong amount' },
    { name: 'substring', q: 'voic', baseline: 'voic' },
    { name: 'email', q: customer, baseline: customer },
    { name: 'rare term', q: `job ${rare}`, baseline: `job ${rare}` },
    { name: 'no match', q: 'zebracrossing', baseline: 'zebracrossing' },
    { name: 'misspelt word, corrected (dashboard)', q: 'pritner', baseline: 'pritner', forgiving: true },
    { name: 'no match, typo lookup in vain (dashboard)', q: 'zebracrossing', baseline: 'zebracrossing', forgiving: true },
  ];
}

function parsed(q: string): SearchQuery {
  const result = parseSearch(q);
  if (!result.ok) throw new Error(`${q}: ${result.message}`);
  return result.query;
}


/** Bytes of the search index, of its known words (typo tolerance) and of the tables it indexes. */
async function sizes(handle: DbHandle): Promise<{ index: number; words: number; tables: number }> {
  const { db } = handle;
  if (handle.dialect === 'postgres') {
    const { rows } = await sql<{ index: number; words: number; tables: number }>`select pg_total_relation_size('ticket_search') as index,
      pg_total_relation_size('search_words') as words, pg_total_relation_size('tickets') + pg_total_relation_size('messages') as tables`.execute(db);
    return { index: Number(rows[0]!.index), words: Number(rows[0]!.words), tables: Number(rows[0]!.tables) };
  }
  const { rows } = await sql<{ name: string; bytes: number }>`select name, sum(pgsize) as bytes from dbstat group by name`.execute(db);
  const sum = (keep: (name: string) => boolean) => rows.filter((r) => keep(r.name)).reduce((total, r) => total + Number(r.bytes), 0);
  return { index: sum((n) => n.startsWith('ticket_search')), words: sum((n) => n.startsWith('search_words')), tables: sum((n) => n === 'tickets' || n === 'messages' || n.startsWith('sqlite_autoindex_tickets')) };
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = hasFlag(args, 'quick');
  const sizeList = (flag(args, 'sizes') ?? (quick ? '10000,100000' : '10000,1000000')).split(',').map(Number);
  const dialects = (flag(args, 'dialects') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
  const runs = numberFlag(args, 'runs', 15);
  console.log(`bench:search: ${sizeList.join(' and ')} tickets, ${dialects.join(', ')}, p50 of ${runs} runs per query (one page of 50, as an admin and as an agent)`);

  const rows: string[][] = [];
  const builds: string[][] = [];
  for (const dialect of dialects) {
    const results = new Map<string, number[]>();
    for (const tickets of sizeList) {
      const database = await createBenchDatabase(dialect, 'search');
      try {
        const seeded = await seed(database.handle, { tickets });
        const size = await sizes(database.handle);
        builds.push([dialect, String(tickets), String(seeded.messages), fmtMs(seeded.searchIndexMs), fmtMs(seeded.ms - seeded.searchIndexMs), mb(size.index), mb(size.words), mb(size.tables)]);
        const db = database.handle.db;
        const now = Date.now();
        const admin: Viewer = { id: seeded.adminId, role: 'admin' };
        const agent: Viewer = { id: seeded.agentIds[0]!, role: 'agent' };
        for (const probe of probes(tickets)) {
          const query = parsed(probe.q);
          for (const [who, viewer] of [['admin', admin], ['agent', agent]] as const) {
            const filter = { search: query, limit: 50, now };
            const ms = await p50Of(runs, () => (probe.forgiving ? listTicketsForgiving(db, viewer, filter) : listTickets(db, viewer, filter)));
            const key = `${probe.name} (${who})`;
            results.set(key, [...(results.get(key) ?? []), ms]);
          }
          const baseline = await p50Of(runs, () =>
            db.selectFrom('tickets as t').select('t.id').where(anyContains(db, ['t.title', 't.customer_email'], probe.baseline)).orderBy('t.id', 'desc').limit(51).execute(),
          );
          const key = `${probe.name}: baseline, old q (title/email LIKE)`;
          results.set(key, [...(results.get(key) ?? []), baseline]);
        }
      } finally {
        await database.drop();
      }
    }
    for (const [key, values] of results) {
      rows.push([dialect, key, ...values.map(fmtMs), values.length > 1 ? fmtRatio(values.at(-1)! / values[0]!) : '']);
    }
  }
  printTable(['engine', 'query (viewer)', ...sizeList.map((n) => `p50 at ${n}`), `${sizeList.at(-1)} / ${sizeList[0]}`], rows);
  console.log('');
  printTable(['engine', 'tickets', 'messages', 'index build (search:reindex)', 'rest of the seed', 'search index size', 'known words (typos) size', 'tickets + messages size'], builds);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
