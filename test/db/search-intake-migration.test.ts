/**
 * Migrations 2026-12-03T1100 and 2026-12-07T0900 (PostgreSQL only: on SQLite they do nothing): the
 * search index and the known words kept per statement. Statements of many rows, the way intake writes (tickets and
 * their first messages in one statement of data-modifying CTEs), a ticket without any message,
 * several messages of one ticket in one statement, notes, files and an edit: after each, every
 * ticket's indexed document is exactly what `ticket_search_source` makes of its rows, and the known
 * words are exactly the words of the texts written (no word was edited away). Its `down` restores the row
 * triggers, which keep the index right again, and it goes up again.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { migrateTo, migrator } from './migration-support.js';
import { addAgents, randomTickets, rng } from './summaries-support.js';

/**
 * Each migration of the search index's statement triggers, after the one before it:
 * 2026-12-03T1100 (per statement) and 2026-12-07T0900 (a new ticket's document built once, by its
 * messages' trigger; the tickets' own only for tickets without messages).
 */
const STEPS = [
  ['2026-12-03T1000-search-words', '2026-12-03T1100-search-intake'],
  ['2026-12-05T1300-presence-history', '2026-12-07T0900-search-intake-once'],
  ['2026-12-09T0900-drop-webhook-due', '2026-12-10T0900-search-generic-plan'],
] as const;

/** The index against a rebuild from the rows, and the known words against the index's words. */
async function expectIndexMatchesRows(db: Db): Promise<void> {
  const indexed = await sql`select ticket_id, head, body, notes from ticket_search order by ticket_id`.execute(db);
  const source = await sql`select ticket_id, head, body, notes from ticket_search_source order by ticket_id`.execute(db);
  expect(indexed.rows).toEqual(source.rows);
  const words = await sql<{ word: string }>`select word from search_words order by word`.execute(db);
  const texts = sql`select title || ' ' || customer_name as text from tickets union all select body from messages union all select filename from attachments`;
  const fromRows = await sql<{ word: string }>`select distinct p as word from (${texts}) x, unnest(tsvector_to_array(to_tsvector('simple', x.text))) w,
    regexp_split_to_table(w, '[^[:alpha:]]+') p where char_length(p) between 4 and 40 order by word`.execute(db);
  expect(words.rows).toEqual(fromRows.rows);
}

for (const [BEFORE, NAME] of STEPS) describe(`migration ${NAME} (postgres)`, () => {
  let database: TestDatabase;
  const db = () => database.handle.db;
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(() => database.drop());

  let seq = 0;
  const tickets = (n: number, agents: number[]) =>
    randomTickets(rng(++seq), n, Date.now(), agents, []).map((t, i) => ({ ...t, title: `Kestrel${seq} number ${i}`, customer_name: `Marigold ${seq}x${i}` }));
  const message = (ticket: number, body: string, kind: 'customer' | 'reply' | 'note' = 'customer') => ({
    ticket_id: ticket, kind, author_id: null, author_name: 'Someone', body, channel: 'web' as const, created_at: Date.now(),
  });

  it('keeps the index and the known words exact through statements of many rows, down and up again', async () => {
    const m = await migrator(db(), 'postgres');
    await migrateTo(m, BEFORE);
    const agents = await addAgents(db(), 'idx', 2);
    const old = await db().insertInto('tickets').values(tickets(3, agents)).returning('id').execute();
    await db().insertInto('messages').values(old.map((t) => message(t.id, `Harbour lighthouse ${t.id}`))).execute();
    await migrateTo(m, NAME);
    await expectIndexMatchesRows(db());

    // Several tickets in one statement, one of which never gets a message.
    const many = (await db().insertInto('tickets').values(tickets(4, agents)).returning('id').execute()).map((t) => t.id);
    await expectIndexMatchesRows(db());
    // Several messages, for several tickets and two for one, a note among them, in one statement.
    const [a, b, c] = many as [number, number, number];
    const inserted = await db()
      .insertInto('messages')
      .values([message(a, 'Toaster smoulders quietly'), message(a, 'Secret wardrobe combination', 'note'), message(b, 'Pelican invoices'), message(old[0]!.id, 'Cobblestone reply', 'reply')])
      .returning(['id', 'ticket_id'])
      .execute();
    await expectIndexMatchesRows(db());
    // Files on two messages in one statement, and a message edited (a row trigger).
    await db().insertInto('files').values(['0', '1'].map((i) => ({ sha256: i.padStart(64, '0'), size: 1, content: Buffer.from(i), created_at: Date.now() }))).execute();
    await db()
      .insertInto('attachments')
      .values(inserted.slice(1, 3).map((msg, i) => ({ message_id: msg.id, ticket_id: msg.ticket_id, file_sha256: `${i}`.padStart(64, '0'), filename: `zeppelin-plan-${i}.pdf`, content_type: 'application/pdf', size: 1, created_at: Date.now() })))
      .execute();
    await db().updateTable('messages').set({ body: 'Toaster smoulders quietly, repaired gladly' }).where('id', '=', inserted[0]!.id).execute();
    await expectIndexMatchesRows(db());
    // Intake's statement: tickets and their first messages together (their ids reserved first).
    const ids = (await sql<{ id: number }>`select nextval(pg_get_serial_sequence('tickets', 'id'))::int as id from generate_series(1, 3)`.execute(db())).rows.map((r) => r.id);
    const batch = tickets(3, agents).map((t, i) => ({ ...t, id: ids[i]! }));
    await db()
      .with('new_tickets', (q) => q.insertInto('tickets').values(batch).returning('id'))
      .insertInto('messages')
      .values(ids.map((id) => message(id, `Gondolier arrives ${id}`)))
      .execute();
    await expectIndexMatchesRows(db());
    expect(c).toBeGreaterThan(0);

    // Down: the row triggers of 2026-12-03T0900 and T1000 keep it right again; and up again.
    await migrateTo(m, BEFORE);
    await db().insertInto('messages').values([message(c, 'Walrus appetite'), message(c, 'Saffron memo', 'note')]).execute();
    await db().insertInto('tickets').values(tickets(2, agents)).execute();
    await expectIndexMatchesRows(db());
    await migrateTo(m, NAME);
    await db().insertInto('messages').values([message(b, 'Quokka sighting'), message(c, 'Tangerine note', 'note')]).execute();
    await expectIndexMatchesRows(db());
    expect((await m.migrateToLatest()).error).toBeUndefined();
  });
});

describe('migration 2026-12-10T0900-search-generic-plan (postgres)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(() => database.drop());

  it('keeps one plan of the refresh per connection, and that plan reads each ticket through its key', async () => {
    const db = database.handle.db;
    // A help desk's tickets, analysed (on empty tables of unknown size any plan scans them whole).
    const agents = await addAgents(db, 'plan', 2);
    for (let i = 0; i < 4; i++) {
      const ids = await db.insertInto('tickets').values(randomTickets(rng(i + 100), 500, Date.now(), agents, [])).returning('id').execute();
      const bodies = ids.flatMap(({ id }) => ['Printer jammed again', 'Tried turning it off', 'Escalated to hardware'].map((body) => ({ ticket_id: id, body })));
      await db.insertInto('messages').values(bodies.map((m, j) => ({ ...m, kind: j % 3 === 2 ? 'note' : 'customer', author_id: null, author_name: 'Someone', channel: 'web', created_at: Date.now() }))).execute();
    }
    await sql`analyze`.execute(db);
    const config = await sql<{ proconfig: string[] | null }>`select proconfig from pg_proc where proname = 'ticket_search_refresh_many' and pronamespace = current_schema()::regnamespace`.execute(db);
    expect(config.rows).toEqual([{ proconfig: ['plan_cache_mode=force_generic_plan'] }]);
    // The function's statement, planned as the function now plans it (for any array).
    const { rows } = await sql<{ prosrc: string }>`select prosrc from pg_proc where proname = 'ticket_search_refresh_many' and pronamespace = current_schema()::regnamespace`.execute(db);
    const statement = /insert into ticket_search[\s\S]*excluded\.notes\)/.exec(rows[0]!.prosrc)![0].replace('any (tickets)', 'any ($1)');
    const plan = await db.connection().execute(async (conn) => {
      await sql`set plan_cache_mode = force_generic_plan`.execute(conn);
      await sql.raw(`prepare refresh_plan(integer[]) as ${statement}`).execute(conn);
      const explained = await sql<{ 'QUERY PLAN': string }>`explain (costs off) execute refresh_plan('{1,2,3}')`.execute(conn);
      await sql`deallocate refresh_plan`.execute(conn);
      await sql`reset plan_cache_mode`.execute(conn);
      return explained.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index Scan using tickets_pkey on tickets[\s\S]*Index Cond: \(id = ANY \(\$1\)\)/);
    expect(plan).toMatch(/Index (Only )?Scan using messages_(public_)?by_ticket on messages/);
    expect(plan).not.toMatch(/Seq Scan on (tickets|messages)\b/);
  });
});
