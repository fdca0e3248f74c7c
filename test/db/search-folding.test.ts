/**
 * The search documents folded as typed searches are (migration 2026-12-19T0900-search-folding):
 * - a quoted phrase finds its words however the text breaks between them (README, "Search": "the
 *   words together, in this order"): mails arrive wrapped at 72–78 characters, customers press
 *   Enter in the form, and HTML mail brings no-break spaces, so "cartridge leaks" must find
 *   "cartridge\nleaks", "cartridge\r\n  leaks" and "cartridge\u00a0leaks" on both engines, in the
 *   title, the thread and the notes;
 * - a Turkish dotted capital İ is found as i, typed either way;
 * also for documents written before the change (the migration rebuilds them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { foundNames } from '../support/search.js';
import { testContext } from './context-support.js';
import { migrateTo, migrator } from './migration-support.js';

const MIGRATION = '2026-12-19T0900-search-folding';
const BEFORE = '2026-12-18T0900-rate-limit-held';

for (const dialect of DIALECTS) {
  describe(`search documents folded as typed searches are (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let admin: number;
    const id: Record<string, number> = {};

    const found = (raw: string) => foundNames(ctx.handle.db, admin, id, raw);

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = testContext(database);
      admin = await addStaff(ctx, 'root', { role: 'admin' });
      const ticket = async (key: string, title: string, description: string) => {
        id[key] = (await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', title, description, priority: 'low' })).id;
      };
      await ticket('lineFeed', 'Toner', 'The toner cartridge\nleaks onto the drum.');
      await ticket('crlfIndent', 'Toner again', 'Our cartridge\r\n   leaks as well,\tonto\t\tthe floor.');
      await ticket('noBreakSpace', 'Cartridge\u00a0leaks', 'See the title.');
      await ticket('apart', 'Other', 'The cartridge is fine; the pipe leaks.');
      await ticket('noted', 'Quiet', 'Nothing here.');
      id.turkish = (await intakeTicket(ctx, { name: 'İsmail Kaya', email: 'ismail@example.com', title: 'İZMİR office printer', description: 'Help.', priority: 'low' })).id;
      await postStaffMessage(ctx, { id: admin, role: 'admin' }, id.noted!, { kind: 'note', body: 'Internal: the fuser\n\n  overheats again.', close: false, seen: null, channel: 'web', files: [] });
    });

    afterAll(() => database.drop());

    it('finds the words together whatever whitespace is between them in the text', async () => {
      expect(await found('"cartridge leaks"')).toEqual(['crlfIndent', 'lineFeed', 'noBreakSpace']);
      expect(await found('"onto the floor"')).toEqual(['crlfIndent']);
      expect(await found('"fuser overheats"')).toEqual(['noted']);
      // Not the words apart, nor in another order.
      expect(await found('"leaks cartridge"')).toEqual([]);
    });

    // JavaScript lower-cases İ (U+0130, Turkish) to "i" and a combining dot, which no text holds;
    // SQLite's trigram index kept İ as it is. So "İsmail", typed as stored, found nothing anywhere,
    // and "ismail" found it on PostgreSQL only.
    it('finds a dotted capital İ as i, typed either way, on both engines', async () => {
      for (const q of ['İsmail', 'ismail', 'İzmir', 'izmir', 'İZMİR', '"İzmir office"']) expect(await found(q), q).toEqual(['turkish']);
    });

    it(`migration ${MIGRATION}: documents written before it are rebuilt, and down gives them back as typed`, async () => {
      const m = await migrator(ctx.handle.db, dialect);
      // Written by today's code (later migrations add columns it writes), then taken back to before
      // the migration, whose down writes the document as the older code did.
      id.older = (await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', title: 'Older', description: 'A stapler\n  jams.', priority: 'low' })).id;
      await migrateTo(m, BEFORE);
      expect(await found('"stapler jams"')).toEqual([]);
      await migrateTo(m, MIGRATION);
      expect(await found('"stapler jams"')).toEqual(['older']);
      expect(await found('"cartridge leaks"')).toEqual(['crlfIndent', 'lineFeed', 'noBreakSpace']);
      await migrateTo(m, BEFORE);
      expect(await found('"stapler jams"')).toEqual([]);
      expect((await m.migrateToLatest()).error).toBeUndefined();
      expect(await found('"stapler jams"')).toEqual(['older']);
    });
  });
}
