/**
 * The known words of typo tolerance hold a Turkish dotted capital İ as i, as every other letter is
 * held in small letters, on real SQLite files and PostgreSQL schemas (README, "Search": "İ is
 * searched as i"): a title "İnternet kesildi" makes "internet" a known word, so "internt" is
 * corrected to it. SQLite's tokenizer (unicode61) leaves İ as it is, so there the word was
 * "İnternet", out of the range of words starting with i that a correction reads: no correction,
 * where PostgreSQL (whose lower() folds İ) offered one. Kept so by the triggers, the reindex, and
 * migration 2026-12-25T0900 for the words already known.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildSearchIndex } from '../../src/repositories/searchIndex.js';
import { listTicketsForgiving } from '../../src/repositories/searchTypos.js';
import type { ServiceContext } from '../../src/services/context.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { searchQuery } from '../support/search.js';
import { testContext } from './context-support.js';
import { migrateTo, migrator } from './migration-support.js';

const MIGRATION = '2026-12-25T0900-search-words-dotted-i';
const BEFORE = '2026-12-24T0900-team-history';
const NOW = Date.now();

for (const dialect of DIALECTS) {
  describe(`known words with a dotted capital İ (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let admin: { id: number; role: 'admin' };
    const id: Record<string, number> = {};

    const corrected = async (raw: string) => {
      const result = await listTicketsForgiving(ctx.handle.db, admin, { search: searchQuery(raw), limit: 50, now: NOW });
      const names = result.rows.map((r) => Object.entries(id).find(([, v]) => v === r.id)?.[0]).sort();
      return { names, corrections: result.corrections === null ? null : Object.fromEntries(result.corrections) };
    };
    const knownWords = async () => (await sql<{ word: string }>`select distinct word from search_words`.execute(ctx.handle.db)).rows.map((r) => r.word).sort();

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = testContext(database);
      admin = { id: await addStaff(ctx, 'root', { role: 'admin' }), role: 'admin' };
      id.title = (await intakeTicket(ctx, { name: 'Ayşe Yılmaz', email: 'ayse@example.com.tr', title: 'İnternet kesildi', description: 'Yardım.', priority: 'low' })).id;
      id.note = (await intakeTicket(ctx, { name: 'Can Demir', email: 'can@example.com.tr', title: 'Fatura', description: 'Soru.', priority: 'low' })).id;
      await postStaffMessage(ctx, admin, id.note, { kind: 'note', body: 'Müşteri İADE istiyor.', close: false, seen: null, channel: 'web', files: [] });
    });

    afterAll(() => database.drop());

    it('knows the words in small letters, İ as i, and corrects to them, also after a reindex', async () => {
      for (const round of ['live', 'reindexed']) {
        expect(await knownWords(), round).toEqual(expect.arrayContaining(['internet', 'iade']));
        expect((await knownWords()).filter((word) => word.includes('\u0130')), round).toEqual([]);
        expect(await corrected('internt'), round).toEqual({ names: ['title'], corrections: { internt: 'internet' } });
        expect(await corrected('İnternt'), round).toEqual({ names: ['title'], corrections: { internt: 'internet' } });
        expect(await corrected('iadde'), round).toEqual({ names: ['note'], corrections: { iadde: 'iade' } });
        await rebuildSearchIndex(ctx.handle);
      }
    });

    if (dialect === 'sqlite') it(`migration ${MIGRATION}: the words known before it are folded`, async () => {
      const m = await migrator(ctx.handle.db, dialect);
      await migrateTo(m, BEFORE);
      // As the older triggers kept them.
      await sql`insert or ignore into search_words (word) values (${'İstanbul'}), (${'İzmir'}), (${'izmir'})`.execute(ctx.handle.db);
      await migrateTo(m, MIGRATION);
      const words = await knownWords();
      expect(words).toEqual(expect.arrayContaining(['istanbul', 'izmir']));
      expect(words.filter((word) => word.includes('\u0130'))).toEqual([]);
      expect((await m.migrateToLatest()).error).toBeUndefined();
    });
  });
}
