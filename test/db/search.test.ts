/**
 * Search inside the engines (issue 21) on real SQLite files and PostgreSQL schemas: what is found
 * (title, customer, messages, notes, file names, mail subjects; words, substrings, phrases,
 * exclusions, exact emails and references), in which order (head matches first, newest first),
 * page by page through both lists, kept right by the triggers as rows change, and rebuilt by the
 * reindex. Tickets and messages are written by the services, as in production.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { listTicketsPage } from '../../src/repositories/adminLists.js';
import { fetchTiered, forgetTrigramIndexes, hasTrigramIndexes, searchTiers } from '../../src/repositories/search.js';
import { rebuildSearchIndex } from '../../src/repositories/searchIndex.js';
import { listTickets } from '../../src/repositories/ticketQueries.js';
import { reassignTicket } from '../../src/services/admin.js';
import type { ServiceContext } from '../../src/services/context.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { DEFAULT_INBOUND_SETTING, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { customerMail } from '../mail/support/customer-mail.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { searchQuery } from '../support/search.js';
import { testContext } from './context-support.js';

const search = searchQuery;

const NOW = Date.now();

for (const dialect of DIALECTS) {
  describe(`search (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let admin: number;
    const id: Record<string, number> = {};
    const db = () => ctx.handle.db;

    /** References found by the API list (admin) and the admin browser, which must agree. */
    async function found(raw: string, filter: { status?: 'open' | 'closed'; priority?: 'high' | 'medium' | 'low' } = {}): Promise<string[]> {
      const query = search(raw);
      const api = await listTickets(db(), { id: admin, role: 'admin' }, { ...filter, search: query, limit: 100, now: NOW });
      const page = await listTicketsPage(db(), { ...filter, search: query }, NOW, { limit: 100 });
      const names = (rows: { id: number }[]) => rows.map((r) => Object.entries(id).find(([, v]) => v === r.id)?.[0] ?? referenceOf(r.id));
      expect(names(page.rows), `${raw}: admin browser = API`).toEqual(names(api));
      return names(api);
    }

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = testContext(database);
      admin = await addStaff(ctx, 'root', { role: 'admin' });
      await addStaff(ctx, 'alice', { capacity: 50 });
      await changePresence(ctx, (await db().selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()).id, 'away');
      const ticket = async (key: string, fields: Record<string, string>) => {
        id[key] = (await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', description: 'Please help.', priority: 'low', ...fields })).id;
      };
      await ticket('printerTitle', { title: 'Printer will not print', description: 'It stopped this morning.' });
      await ticket('printerBody', { title: 'Office trouble', description: 'The printer shows a paper jam in tray 2.' });
      await ticket('jamReversed', { title: 'Jam of paper', description: 'Nothing else.' });
      await ticket('ada', { title: 'Invoice question', name: 'Ada Lovelace', email: 'Ada@Example.com' });
      await ticket('mada', { title: 'Invoice question too', email: 'mada@example.com' });
      await ticket('punctuation', { title: '100% sure a_b back\\slash O\'Brien', priority: 'high' });
      await ticket('files', { title: 'Manual request' });
      await ticket('mailed', { title: 'Delivery late' });
      await ticket('noted', { title: 'Quiet ticket' });
      await ticket('newestPrinter', { title: 'Second printer ticket', description: 'Printer again.' });
      const root = { id: admin, role: 'admin' as const };
      const message = { close: false, seen: null, channel: 'web' as const, files: [] };
      await postStaffMessage(ctx, root, id.files!, { ...message, kind: 'reply', body: 'Here it is.', files: [{ filename: 'quarterly-report.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF') }] });
      await postStaffMessage(ctx, root, id.noted!, { ...message, kind: 'note', body: 'Internal: customer owes xylophone money.' });
      await postStaffMessage(ctx, root, id.noted!, { ...message, kind: 'note', body: 'See file.', files: [{ filename: 'secret-ledger.xlsx', contentType: 'application/octet-stream', content: Buffer.from('x') }] });
      const intake = new TicketIntake(ctx);
      const mail = customerMail({ from: 'carla@example.com', subject: `Re: [${referenceOf(id.mailed!)}] zeppelin update`, messageId: '<search-1@mail.example>', text: 'Any news?' });
      expect(await ingestMail(ctx, intake, DEFAULT_INBOUND_SETTING, mail, 'http')).toMatchObject({ result: 'appended', ticketId: id.mailed });
      await reassignTicket(ctx, admin, id.printerTitle!, 'alice');
    });

    afterAll(() => database.drop());

    it.each<[string, string, string[]]>([
      ['a word: head matches first, then thread matches, each newest first', 'printer', ['newestPrinter', 'printerTitle', 'printerBody']],
      ['any letter case and a substring of a word', 'RINT', ['newestPrinter', 'printerTitle', 'printerBody']],
      ['all words, anywhere in the ticket', 'printer tray', ['printerBody']],
      ['a phrase in order', '"paper jam"', ['printerBody']],
      ['the words of a phrase in another order are not it', '"jam of paper"', ['jamReversed']],
      ['an excluded word', 'printer -again', ['printerTitle', 'printerBody']],
      ['an excluded phrase', 'paper -"paper jam"', ['jamReversed']],
      ['the customer name', 'lovelace', ['ada']],
      ['an email: the customer exactly, any letter case', 'ADA@example.com', ['ada']],
      ['an excluded email', 'invoice -ada@example.com', ['mada']],
      ['a reference', referenceOf(1), ['printerTitle']],
      ['a reference and a word that is not in it', `${referenceOf(1)} lovelace`, []],
      ['an attachment file name', 'quarterly', ['files']],
      ['an inbound mail subject', 'zeppelin', ['mailed']],
      ['a note, for staff', 'xylophone', ['noted']],
      ['a note attachment file name, for staff', 'ledger', ['noted']],
      ['a percent sign literally', '"100%"', ['punctuation']],
      ['an underscore literally', 'a_b', ['punctuation']],
      ['a backslash literally', '"back\\slash"', ['punctuation']],
      ['an apostrophe', "o'brien", ['punctuation']],
      ['FTS syntax as text', 'NEAR(printer', []],
      ['nothing', 'nonexistentword', []],
    ])('%s: %s', async (_title, raw, expected) => {
      expect(await found(raw)).toEqual(expected);
    });

    it('combines with the other filters', async () => {
      expect(await found('printer', { status: 'open', priority: 'low' })).toEqual(['newestPrinter', 'printerTitle', 'printerBody']);
      expect(await found('sure', { priority: 'high' })).toEqual(['punctuation']);
      expect(await found('sure', { priority: 'low' })).toEqual([]);
      expect(await found('printer', { status: 'closed' })).toEqual([]);
    });

    it('a customer-facing search never matches notes or their files', async () => {
      for (const raw of ['xylophone', 'ledger']) {
        const [head, body] = await searchTiers(db(), search(raw), { includeNotes: false });
        const rows = await db().selectFrom('tickets as t').select('t.id').where((eb) => eb.or([head!.match(null), body!.match(null)])).execute();
        expect(rows, raw).toEqual([]);
      }
      const [, body] = await searchTiers(db(), search('please'), { includeNotes: false });
      expect((await db().selectFrom('tickets as t').select('t.id').where(body!.match(null)).execute()).length).toBeGreaterThan(0);
    });

    it('reads the index a window at a time: windows of one match give the same pages, filters and all', async () => {
      const tiers = await searchTiers(db(), search('please'), { includeNotes: true });
      const read = (firstWindow: number, limit: number, cursor: { op: '<' | '>'; position: number } | null, order: 'asc' | 'desc', priority: 'low' | 'high') =>
        fetchTiered(
          tiers,
          cursor,
          order,
          limit,
          (where, id, take) =>
            db()
              .selectFrom('tickets as t')
              .select('t.id')
              .where(where)
              .where('t.priority', '=', priority)
              .$if(id !== null, (q) => q.where('t.id', id!.op, id!.value))
              .orderBy('t.id', order)
              .limit(take)
              .execute(),
          firstWindow,
        );
      for (const priority of ['low', 'high'] as const) {
        const whole = await read(1000, 100, null, 'desc', priority);
        expect(whole.length, priority).toBeGreaterThan(0);
        for (const limit of [1, 2, 3, 100]) {
          expect(await read(1, limit, null, 'desc', priority), `${priority} ${limit}`).toEqual(whole.slice(0, limit));
          const from = whole[0]!.position;
          expect(await read(1, limit, { op: '<', position: from }, 'desc', priority)).toEqual(whole.slice(1, 1 + limit));
          expect(await read(1, limit, { op: '>', position: whole.at(-1)!.position }, 'asc', priority)).toEqual(whole.slice(0, -1).reverse().slice(0, limit));
        }
      }
    });

    it('pages through the results one at a time in both lists, forwards and back, the same order', async () => {
      const query = search('printer');
      const all = ['newestPrinter', 'printerTitle', 'printerBody'].map((k) => id[k]!);
      const api: number[] = [];
      let before: number | undefined;
      for (;;) {
        const rows = await listTickets(db(), { id: admin, role: 'admin' }, { search: query, limit: 1, now: NOW, ...(before === undefined ? {} : { beforeId: before }) });
        api.push(...rows.slice(0, 1).map((r) => r.id));
        if (rows.length <= 1) break;
        before = rows[0]!.position;
      }
      expect(api).toEqual(all);
      const pages: number[] = [];
      let after: number | undefined;
      const cursors: number[] = [];
      for (;;) {
        const page = await listTicketsPage(db(), { search: query }, NOW, { limit: 1, ...(after === undefined ? {} : { after }) });
        pages.push(...page.rows.map((r) => r.id));
        if (page.nextAfter === null) break;
        cursors.push(page.nextAfter);
        after = page.nextAfter;
      }
      expect(pages).toEqual(all);
      // Back from the last page, one page at a time.
      const last = await listTicketsPage(db(), { search: query }, NOW, { limit: 1, after: cursors.at(-1)! });
      expect(last.rows.map((r) => r.id)).toEqual([all[2]]);
      const back = await listTicketsPage(db(), { search: query }, NOW, { limit: 1, before: last.prevBefore! });
      expect(back.rows.map((r) => r.id)).toEqual([all[1]]);
      expect(back.nextAfter).toBe(cursors.at(-1));
      const first = await listTicketsPage(db(), { search: query }, NOW, { limit: 1, before: back.prevBefore! });
      expect(first.rows.map((r) => r.id)).toEqual([all[0]]);
      expect(first.prevBefore).toBeNull();
    });

    it('follows changes in the same transaction: a new message, a renamed ticket, a deleted message', async () => {
      const ticketId = id.jamReversed!;
      expect(await found('kangaroo')).toEqual([]);
      await postStaffMessage(ctx, { id: admin, role: 'admin' }, ticketId, { kind: 'reply', body: 'A kangaroo ate it.', close: false, seen: null, channel: 'web', files: [] });
      expect(await found('kangaroo')).toEqual(['jamReversed']);
      await db().updateTable('tickets').set({ title: 'Renamed wombat' }).where('id', '=', ticketId).execute();
      expect(await found('wombat')).toEqual(['jamReversed']);
      expect(await found('"jam of paper"')).toEqual([]);
      // A rolled-back change leaves the index as it was.
      await expect(
        db().transaction().execute(async (trx) => {
          await trx.updateTable('tickets').set({ title: 'Platypus' }).where('id', '=', ticketId).execute();
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await found('platypus')).toEqual([]);
      expect(await found('wombat')).toEqual(['jamReversed']);
      await db().deleteFrom('outbox').where('message_id', 'in', db().selectFrom('messages').select('id').where('body', '=', 'A kangaroo ate it.')).execute();
      await db().deleteFrom('messages').where('body', '=', 'A kangaroo ate it.').execute();
      expect(await found('kangaroo')).toEqual([]);
    });

    it('search:reindex rebuilds an index that lost its rows', async () => {
      if (dialect === 'sqlite') for (const table of ['ticket_search', 'ticket_search_head']) await sql`insert into ${sql.id(table)} (${sql.id(table)}) values ('delete-all')`.execute(db());
      else await sql`delete from ticket_search`.execute(db());
      expect(await found('lovelace')).toEqual([]);
      const result = await rebuildSearchIndex(ctx.handle);
      expect(result.tickets).toBe(Object.keys(id).length);
      expect(result.trigram).toBe(dialect === 'sqlite' ? null : true);
      expect(await found('lovelace')).toEqual(['ada']);
      expect(await found('printer')).toEqual(['newestPrinter', 'printerTitle', 'printerBody']);
    });

    if (dialect === 'postgres') {
      it('without pg_trgm indexes, words match whole words (tsvector), and substrings do not', async () => {
        expect(await hasTrigramIndexes(db())).toBe(true);
        for (const column of ['head', 'body', 'notes']) await sql`drop index ${sql.id(`ticket_search_${column}_trgm`)}`.execute(db());
        forgetTrigramIndexes(db());
        expect(await hasTrigramIndexes(db())).toBe(false);
        expect(await found('printer')).toEqual(['newestPrinter', 'printerTitle', 'printerBody']);
        expect(await found('"paper jam"')).toEqual(['printerBody']);
        expect(await found('printer -again')).toEqual(['printerTitle', 'printerBody']);
        expect(await found('rint')).toEqual([]);
        // Punctuation only as a phrase: no words in it, nothing found, no error.
        expect(await found('"!!!"')).toEqual([]);
        await rebuildSearchIndex(ctx.handle);
        expect(await hasTrigramIndexes(db())).toBe(true);
        expect(await found('rint')).toEqual(['newestPrinter', 'printerTitle', 'printerBody']);
      });
    }
  });
}
