/**
 * SQLite: trigram only (what search runs) against unicode61 with bm25 ranking (issue 21: "the
 * trigram tokenizer for substrings, or unicode61 plus trigram where that ranks better; measure").
 *
 * 1. Ranking quality on a small labelled set (CORPUS, QUERIES below: which tickets a person asking
 *    would want, written by hand): mean reciprocal rank of the first wanted ticket, the share of
 *    wanted tickets in the first 5, and the queries that find nothing wanted at all, for
 *    - trigram, as the app ranks: title/customer matches first, then thread matches, newest first;
 *    - trigram + bm25: the same index ordered by bm25 (head weighted 10);
 *    - unicode61 + bm25: a word index (`unicode61 remove_diacritics 2`) ordered by bm25.
 * 2. Speed at a seeded size (bench/seed.ts; default 100 000 tickets): p50 of the first page (50)
 *    for a common word, a phrase and a rare term, with the build time and size of the unicode61
 *    index the second option would add.
 *
 *   npm run bench:search-ranking                  labelled set + 100 000 tickets
 *   npm run bench:search-ranking -- --tickets 10000 --runs 15
 *   npm run bench:search-ranking -- --no-speed     the labelled set only (seconds)
 */
import { sql } from 'kysely';
import { fts5Expression, parseSearch, type SearchQuery } from '../src/core/search.js';
import type { Db } from '../src/db/connect.js';
import { listTickets } from '../src/repositories/ticketQueries.js';
import { createBenchDatabase } from './lib/db.js';
import { fmtMs, fmtRatio, hasFlag, numberFlag, printTable, p50Of } from './lib/report.js';
import { seed } from './seed.js';

/** Tickets by key: a title and the thread's messages (the first is the customer's description). */
const CORPUS: Record<string, [title: string, ...messages: string[]]> = {
  printerJam: ['Printer jams on every page', 'The office printer jams after one page. Paper is fresh.', 'Try the rear tray, please.'],
  printerDriver: ['Printer driver will not install', 'Windows says the printer driver is unsigned.'],
  scannerNotPrinter: ['Scanner makes a noise', 'It is not the printer, it is the scanner next to it that rattles.'],
  tonerOrder: ['Order toner cartridges', 'We need four toner cartridges for the second floor printer.'],
  invoiceWrong: ['Invoice shows the wrong amount', 'Invoice 2231 charges us twice for the same month.'],
  invoiceAddress: ['Change invoice address', 'Please send invoices to our new office in Leeds.'],
  invoiceMention: ['Login problem', 'I cannot log in to see my invoice. The password reset mail never arrives.'],
  refundLate: ['Refund not received', 'You promised a refund three weeks ago; nothing has arrived yet.', 'The refund was sent on Monday.'],
  refundPolicy: ['Question about returns', 'What is your refund policy for opened items?'],
  passwordReset: ['Password reset mail missing', 'The password reset mail does not arrive, not even in spam.'],
  passwordExpired: ['Password expired', 'My password expired while I was on holiday.'],
  vpnDrops: ['VPN drops every hour', 'The VPN connection drops every hour on the hour.'],
  vpnSetup: ['New laptop setup', 'Please install Office and the VPN client on the new laptop.'],
  wifiGuest: ['Guest wifi password', 'Visitors need the guest wifi password for the meeting room.'],
  wifiSlow: ['Wi-Fi very slow upstairs', 'The wifi upstairs is very slow since Tuesday.'],
  deliveryLate: ['Delivery is late', 'Order 5512 should have arrived on Friday.', 'The courier lost the parcel; we send another.'],
  deliveryDamaged: ['Parcel arrived damaged', 'The box was crushed and the monitor screen is cracked.'],
  monitorFlicker: ['Monitor flickers', 'My second monitor flickers when the laptop is docked.'],
  emailBounce: ['Emails bounce', 'Mails to our customers bounce with "mailbox full".'],
  calendarSync: ['Calendar does not sync', 'The calendar on my phone no longer syncs with Outlook.'],
  accountLocked: ['Account locked', 'My account is locked after three wrong passwords.'],
  cancelSubscription: ['Cancel my subscription', 'Please cancel the subscription at the end of the month.'],
  subscriptionInvoice: ['Subscription price', 'Why did the subscription price on the last invoice go up?'],
  keyboardKeys: ['Keyboard keys stuck', 'Several keys on my keyboard stick after coffee was spilled.'],
  // Newest: words of other tickets in passing.
  officeParty: ['Office party', 'Bring your laptop charger; the printer in the hall will print the menus. No refund for tickets.'],
};

/** Queries and the tickets wanted, most wanted first (the order is not scored: any wanted one counts). */
const QUERIES: Array<[q: string, wanted: string[]]> = [
  ['printer', ['printerJam', 'printerDriver', 'tonerOrder']],
  ['printer jam', ['printerJam']],
  ['invoice', ['invoiceWrong', 'invoiceAddress', 'subscriptionInvoice']],
  ['wrong invoice amount', ['invoiceWrong']],
  ['refund', ['refundLate', 'refundPolicy']],
  ['password reset', ['passwordReset', 'invoiceMention']],
  ['vpn', ['vpnDrops', 'vpnSetup']],
  ['wifi', ['wifiGuest', 'wifiSlow']],
  ['late delivery', ['deliveryLate']],
  ['damaged parcel', ['deliveryDamaged']],
  ['subscription', ['cancelSubscription', 'subscriptionInvoice']],
  ['locked', ['accountLocked']],
  ['monitor', ['monitorFlicker', 'deliveryDamaged']],
  ['"password expired"', ['passwordExpired']],
  // Substrings and word forms: a word index needs the whole word.
  ['invoic', ['invoiceWrong', 'invoiceAddress', 'subscriptionInvoice']],
  ['sync', ['calendarSync']],
  ['bounced', []],
  ['keyboard', ['keyboardKeys']],
  ['laptop', ['vpnSetup', 'monitorFlicker']],
  ['parcel', ['deliveryDamaged', 'deliveryLate']],
  ['coffee spilled', ['keyboardKeys']],
];

type Ranker = (db: Db, query: SearchQuery) => Promise<number[]>;

const COLUMNS = ['head', 'body', 'notes'];

function bm25Ranker(table: string): Ranker {
  return async (db, query) => {
    const expression = fts5Expression(query, COLUMNS);
    if (expression === null) return [];
    const { rows } = await sql<{ id: number }>`select rowid as id from ${sql.table(table)} where ${sql.table(table)} match ${expression}
      order by bm25(${sql.table(table)}, 10.0, 1.0, 1.0) limit 51`.execute(db);
    return rows.map((r) => Number(r.id));
  };
}

const RANKERS: Record<string, Ranker> = {
  'trigram (the app: head first, newest first)': async (db, query) => (await listTickets(db, { id: 1, role: 'admin' }, { search: query, limit: 50, now: Date.now() })).map((r) => r.id),
  'trigram + bm25': bm25Ranker('ticket_search'),
  'unicode61 + bm25': bm25Ranker('ticket_words'),
};

function parsed(q: string): SearchQuery {
  const result = parseSearch(q);
  if (!result.ok) throw new Error(`${q}: ${result.message}`);
  return result.query;
}

/** The comparison index: the same documents, cut into words. */
async function buildWordIndex(db: Db): Promise<number> {
  const started = performance.now();
  await sql`create virtual table ticket_words using fts5(head, body, notes, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  await sql`insert into ticket_words (rowid, head, body, notes) select ticket_id, head, body, notes from ticket_search_source`.execute(db);
  await sql`insert into ticket_words (ticket_words) values ('optimize')`.execute(db);
  return performance.now() - started;
}

async function quality(): Promise<string[][]> {
  const database = await createBenchDatabase('sqlite', 'ranking');
  try {
    const db = database.handle.db;
    const ids = new Map<string, number>();
    const now = Date.now();
    let n = 0;
    for (const [key, [title, ...messages]] of Object.entries(CORPUS)) {
      n += 1;
      const at = now - (100 - n) * 60_000;
      const { id } = await db
        .insertInto('tickets')
        .values({ token: `rank${n}`, customer_name: 'Carla Customer', customer_email: 'carla@example.com', title, description: messages[0]!, priority: 'low', status: 'open', created_at: at, sla_due_at: at + 3_600_000, waiting_on: 'agent' } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const [k, body] of messages.entries()) {
        await db.insertInto('messages').values({ ticket_id: id, kind: k % 2 === 0 ? 'customer' : 'reply', author_id: null, author_name: 'x', body, channel: 'web', created_at: at + k } as never).execute();
      }
      ids.set(key, id);
    }
    await buildWordIndex(db);
    const rows: string[][] = [];
    for (const [name, rank] of Object.entries(RANKERS)) {
      let reciprocal = 0;
      let inFirst5 = 0;
      let wantedTotal = 0;
      const missed: string[] = [];
      for (const [q, wanted] of QUERIES) {
        const found = await rank(db, parsed(q));
        const want = new Set(wanted.map((key) => ids.get(key)!));
        const first = found.findIndex((id) => want.has(id));
        if (want.size === 0) continue;
        reciprocal += first === -1 ? 0 : 1 / (first + 1);
        inFirst5 += found.slice(0, 5).filter((id) => want.has(id)).length;
        wantedTotal += want.size;
        if (first === -1) missed.push(q);
      }
      const scored = QUERIES.filter(([, wanted]) => wanted.length > 0).length;
      rows.push([name, (reciprocal / scored).toFixed(2), `${((100 * inFirst5) / wantedTotal).toFixed(0)} %`, missed.length === 0 ? 'none' : missed.join(', ')]);
    }
    return rows;
  } finally {
    await database.drop();
  }
}


async function speed(tickets: number, runs: number): Promise<{ rows: string[][]; build: string[] }> {
  const database = await createBenchDatabase('sqlite', 'ranking');
  try {
    const db = database.handle.db;
    const seeded = await seed(database.handle, { tickets });
    const buildMs = await buildWordIndex(db);
    const { rows: bytes } = await sql<{ name: string; bytes: number }>`select name, sum(pgsize) as bytes from dbstat group by name`.execute(db);
    const size = (prefix: string) => bytes.filter((r) => r.name.startsWith(prefix)).reduce((total, r) => total + Number(r.bytes), 0) / 1_048_576;
    const rows: string[][] = [];
    const probes = [
      ['common word', 'printer'],
      ['phrase', '"wrong amount"'],
      ['rare term', `job ${Math.floor(tickets * 0.987)}`],
    ];
    for (const [name, q] of probes) {
      const query = parsed(q!);
      const times = [];
      for (const rank of Object.values(RANKERS)) times.push(await p50Of(runs, () => rank(db, query)));
      rows.push([`${name} (${q})`, ...times.map(fmtMs), fmtRatio(times[2]! / times[0]!)]);
    }
    return { rows, build: [String(tickets), String(seeded.messages), fmtMs(seeded.searchIndexMs), fmtMs(buildMs), `${size('ticket_search').toFixed(0)} MB`, `${size('ticket_words').toFixed(0)} MB`] };
  } finally {
    await database.drop();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const tickets = numberFlag(args, 'tickets', 100_000);
  const runs = numberFlag(args, 'runs', 15);
  console.log(`bench:search-ranking (SQLite): ${QUERIES.length} labelled queries over ${Object.keys(CORPUS).length} tickets; speed at ${tickets} tickets, p50 of ${runs}`);
  printTable(['ranking', 'mean reciprocal rank', 'wanted in first 5', 'queries finding nothing wanted'], await quality());
  if (hasFlag(args, 'no-speed')) return;
  const { rows, build } = await speed(tickets, runs);
  console.log('');
  printTable(['query (first page of 50)', ...Object.keys(RANKERS), 'unicode61+bm25 / app'], rows);
  console.log('');
  printTable(['tickets', 'messages', 'trigram index build', 'unicode61 index build', 'trigram index size', 'unicode61 index size'], [build]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
