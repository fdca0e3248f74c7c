/**
 * Typo tolerance of search (core/searchTypos.ts, repositories/searchTypos.ts) on real SQLite files
 * and PostgreSQL schemas: the known words kept by the triggers of migration 2026-12-03T1000 from
 * titles, customers, messages, notes, file names and mail subjects; a misspelt search finding the
 * corrected word's tickets; nothing corrected that a viewer may not see; the reindex keeping the
 * words.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { forgetTrigramIndexes, hasTrigramIndexes } from '../../src/repositories/search.js';
import { rebuildSearchIndex } from '../../src/repositories/searchIndex.js';
import { knownWordsNear, listTicketsForgiving } from '../../src/repositories/searchTypos.js';
import type { Viewer } from '../../src/repositories/ticketQueries.js';
import { reassignTicket } from '../../src/services/admin.js';
import type { ServiceContext } from '../../src/services/context.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { DEFAULT_INBOUND_SETTING, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { customerMail } from '../mail/support/customer-mail.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { searchQuery } from '../support/search.js';
import { testContext } from './context-support.js';

const search = searchQuery;

const NOW = Date.now();

for (const dialect of DIALECTS) {
  describe(`search typos (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let admin: Viewer;
    let alice: Viewer;
    let bob: Viewer;
    const id: Record<string, number> = {};
    const db = () => ctx.handle.db;

    /** The tickets found and the corrections made, for `viewer`. */
    async function forgiving(viewer: Viewer, raw: string, filter: { status?: 'open' | 'closed'; beforeId?: number } = {}) {
      const result = await listTicketsForgiving(db(), viewer, { ...filter, search: search(raw), limit: 50, now: NOW });
      const names = result.rows.map((r) => Object.entries(id).find(([, v]) => v === r.id)?.[0] ?? referenceOf(r.id));
      return { names, corrections: result.corrections === null ? null : Object.fromEntries(result.corrections) };
    }

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = testContext(database);
      admin = { id: await addStaff(ctx, 'root', { role: 'admin' }), role: 'admin' };
      alice = { id: await addStaff(ctx, 'alice', { capacity: 50 }), role: 'agent' };
      bob = { id: await addStaff(ctx, 'bob', { capacity: 50 }), role: 'agent' };
      const ticket = async (key: string, fields: Record<string, string>) => {
        id[key] = (await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', description: 'Please help.', priority: 'low', ...fields })).id;
      };
      await ticket('printer', { title: 'Printer will not print', description: 'It stopped this morning.' });
      await ticket('toner', { title: 'Office trouble', description: 'The toner cartridge leaks.' });
      await ticket('bobs', { title: 'Private matter', description: 'The zanzibarite shipment is late.' });
      await ticket('noted', { title: 'Quiet ticket' });
      await ticket('mailed', { title: 'Delivery late' });
      await ticket('files', { title: 'Manual request' });
      const root = { id: admin.id, role: 'admin' as const };
      const message = { close: false, seen: null, channel: 'web' as const, files: [] };
      await postStaffMessage(ctx, root, id.noted!, { ...message, kind: 'note', body: 'Internal: customer owes marimbaphone money.' });
      await postStaffMessage(ctx, root, id.files!, { ...message, kind: 'reply', body: 'Here it is.', files: [{ filename: 'quarterly-report.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF') }] });
      const mail = customerMail({ from: 'carla@example.com', subject: `Re: [${referenceOf(id.mailed!)}] zeppelin update`, messageId: '<typo-1@mail.example>', text: 'Any news?' });
      expect(await ingestMail(ctx, new TicketIntake(ctx), DEFAULT_INBOUND_SETTING, mail, 'http')).toMatchObject({ result: 'appended', ticketId: id.mailed });
      // Alice holds every ticket but bob's; bob holds his and the noted one (nothing is pending).
      for (const key of ['printer', 'toner', 'mailed', 'files']) await reassignTicket(ctx, admin.id, id[key]!, 'alice');
      for (const key of ['bobs', 'noted']) await reassignTicket(ctx, admin.id, id[key]!, 'bob');
    });

    afterAll(() => database.drop());

    it.each<[string, string, string[], Record<string, string> | null]>([
      ['a misspelt title word (two letters swapped)', 'pritner', ['printer'], { pritner: 'printer' }],
      ['a letter missing, in a message', 'cartrige', ['toner'], { cartrige: 'cartridge' }],
      ['a misspelt word beside a right one', 'tonr leaks', ['toner'], { tonr: 'toner' }],
      ['a mail subject', 'zepelin', ['mailed'], { zepelin: 'zeppelin' }],
      ['an attachment file name', 'quartrely', ['files'], { quartrely: 'quarterly' }],
      ['nothing when no known word is close', 'xylograph', [], null],
      ['not a short word (fewer than four letters)', 'tnr', [], null],
      ['not in a phrase', '"pritner will"', [], null],
      ['a word that matches stays as typed', 'printer', ['printer'], null],
    ])('%s: %s', async (_, raw, names, corrections) => {
      expect(await forgiving(admin, raw)).toEqual({ names, corrections });
    });

    it('does not correct a known word when the other filters leave nothing', async () => {
      expect(await forgiving(admin, 'printr', { status: 'closed' })).toEqual({ names: [], corrections: null });
    });

    it('does not correct a later page (its cursor is a position of the search as asked)', async () => {
      expect(await forgiving(admin, 'pritner', { beforeId: 2 ** 31 })).toEqual({ names: [], corrections: null });
    });

    it('never corrects to a word only in tickets (or notes) the viewer may not see', async () => {
      // The words are known (so the check is real)…
      expect((await knownWordsNear(db(), 'zanzibarita')).map((k) => k.word)).toContain('zanzibarite');
      expect((await knownWordsNear(db(), 'marimbafone')).map((k) => k.word)).toContain('marimbaphone');
      // …and corrected for whoever may see them…
      expect(await forgiving(bob, 'zanzibarita')).toEqual({ names: ['bobs'], corrections: { zanzibarita: 'zanzibarite' } });
      expect(await forgiving(bob, 'marimbafone')).toEqual({ names: ['noted'], corrections: { marimbafone: 'marimbaphone' } });
      // …but not for alice.
      expect(await forgiving(alice, 'zanzibarita')).toEqual({ names: [], corrections: null });
      expect(await forgiving(alice, 'marimbafone')).toEqual({ names: [], corrections: null });
    });

    it('never names a word the viewer has only inside a longer one (a substring match is no proof the word is there)', async () => {
      // alice's ticket says "zanzibarites"; "zanzibarite" alone is only in bob's. Both are near
      // "zanzibarita", and the corrected search for "zanzibarite" finds her ticket as a substring.
      const t = await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', title: 'Zanzibarites everywhere', description: 'x', priority: 'low' });
      await reassignTicket(ctx, admin.id, t.id, 'alice');
      id.plural = t.id;
      expect(await forgiving(alice, 'zanzibarita')).toEqual({ names: ['plural'], corrections: { zanzibarita: 'zanzibarites' } });
      // bob, who has the word itself, gets it (and the ticket with the longer word too).
      expect((await forgiving(bob, 'zanzibarita')).corrections).toEqual({ zanzibarita: 'zanzibarite' });
    });

    it('learns the words of texts written later, and keeps them through a reindex', async () => {
      const root = { id: admin.id, role: 'admin' as const };
      await postStaffMessage(ctx, root, id.printer!, { close: false, seen: null, channel: 'web', files: [], kind: 'reply', body: 'Try the kaleidoscope driver.' });
      expect(await forgiving(alice, 'kaleidoskope')).toEqual({ names: ['printer'], corrections: { kaleidoskope: 'kaleidoscope' } });
      await rebuildSearchIndex(ctx.handle);
      expect(await forgiving(alice, 'kaleidoskope')).toEqual({ names: ['printer'], corrections: { kaleidoskope: 'kaleidoscope' } });
      expect(await forgiving(admin, 'pritner')).toEqual({ names: ['printer'], corrections: { pritner: 'printer' } });
    });

    it('tries the next candidate when the best one finds nothing visible', async () => {
      // "scanner" (bob's) and "spanner" (alice's) are both one letter from "sganner".
      await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', title: 'Spanner missing', description: 'x', priority: 'low' }).then(async (t) => {
        id.spanner = t.id;
        await reassignTicket(ctx, admin.id, t.id, 'alice');
      });
      for (const n of [1, 2]) {
        await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', title: `Scanner broken ${n}`, description: 'x', priority: 'low' }).then(async (t) => {
          id[`scanner${n}`] = t.id;
          await reassignTicket(ctx, admin.id, t.id, 'bob');
        });
      }
      expect(await forgiving(bob, 'sganner')).toEqual({ names: ['scanner2', 'scanner1'], corrections: { sganner: 'scanner' } });
      expect(await forgiving(alice, 'sganner')).toEqual({ names: ['spanner'], corrections: { sganner: 'spanner' } });
    });

    // PostgreSQL only: SQLite's FTS5 has trigrams built in.
    if (dialect === 'postgres') it('without the trigram indexes (pg_trgm not allowed) typo tolerance is off, searches still answer', async () => {
      expect(await hasTrigramIndexes(db())).toBe(true);
      await sql`drop index ticket_search_body_trgm`.execute(db());
      forgetTrigramIndexes(db());
      try {
        expect(await knownWordsNear(db(), 'pritner')).toEqual([]);
        expect(await forgiving(admin, 'pritner')).toEqual({ names: [], corrections: null });
      } finally {
        await rebuildSearchIndex(ctx.handle);
      }
      expect(await forgiving(admin, 'pritner')).toEqual({ names: ['printer'], corrections: { pritner: 'printer' } });
    });

    it('the known words are words of 4 to 40 letters, each once (SQLite: its tokenizing table left empty)', async () => {
      const { rows } = await sql<{ word: string }>`select word from search_words`.execute(db());
      const words = rows.map((r) => r.word);
      expect(words).toContain('printer');
      expect(words.filter((w) => w === 'printer')).toHaveLength(1);
      expect(words.filter((w) => !/^\p{L}{4,40}$/u.test(w))).toEqual([]);
      if (dialect === 'sqlite') expect((await sql<{ n: number }>`select count(*) as n from search_words_tokens_vocab`.execute(db())).rows[0]!.n).toBe(0);
    });
  });
}
