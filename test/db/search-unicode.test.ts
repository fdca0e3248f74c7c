/**
 * Search and Unicode beyond ASCII, on real SQLite files and PostgreSQL schemas (README, "Search":
 * "in any letter case"; the same answers on both engines):
 * - a customer's address with non-ASCII letters (an internationalised address, which the form
 *   accepts) is found by its address typed in any letter case, and left out by `-address`;
 * - a text stored decomposed (NFD: "e" and a combining accent, as macOS file names and some mail
 *   clients write it) is found by the word typed composed (NFC, as keyboards type it), and a
 *   composed text by the word pasted decomposed;
 * - Greek in capitals (common in Greek subjects) is found by the word typed in small letters, whose
 *   last sigma is the final form ς, and typed in capitals as stored: PostgreSQL's lower() makes
 *   every Σ a σ, so "οδος" (and "ΟΔΟΣ", which JavaScript lower-cases to "οδος") missed "ΟΔΟΣ".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { foundNames } from '../support/search.js';
import { testContext } from './context-support.js';

for (const dialect of DIALECTS) {
  describe(`search beyond ASCII (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let admin: number;
    const id: Record<string, number> = {};

    const found = (raw: string) => foundNames(ctx.handle.db, admin, id, raw);

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = testContext(database);
      admin = await addStaff(ctx, 'root', { role: 'admin' });
      const ticket = async (key: string, fields: Record<string, string>) => {
        id[key] = (await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', description: 'Please help.', priority: 'low', ...fields })).id;
      };
      await ticket('joerg', { title: 'Printer order', name: 'Jörg Bücher', email: 'JÖRG@BÜCHER.DE' });
      await ticket('ascii', { title: 'Printer order too', email: 'joerg@buecher.de' });
      await ticket('decomposed', { title: 'Re\u0301sume\u0301 attached'.normalize('NFD'), description: 'From my Mac.' });
      await ticket('composed', { title: 'Café order', description: 'Typed on a keyboard.' });
      await ticket('file', { title: 'Invoice' });
      await ticket('greekCapitals', { title: 'ΑΙΤΗΜΑ ΓΙΑ ΟΔΟΣ ΣΤΑΔΙΟΥ', name: 'Νίκος Παππάς', email: 'nikos@example.gr' });
      await ticket('greekSmall', { title: 'Πρόβλημα στην οδος', email: 'eleni@example.gr' });
      const message = { close: false, seen: null, channel: 'web' as const };
      await postStaffMessage(ctx, { id: admin, role: 'admin' }, id.file!, {
        ...message,
        kind: 'reply',
        body: 'Here it is.',
        files: [{ filename: 'Rechnung März.pdf'.normalize('NFD'), contentType: 'application/pdf', content: Buffer.from('%PDF') }],
      });
    });

    afterAll(() => database.drop());

    it('finds an address with non-ASCII letters in any letter case, and leaves it out when excluded', async () => {
      for (const q of ['jörg@bücher.de', 'Jörg@Bücher.de', 'JÖRG@BÜCHER.DE', 'email:jörg@bücher.de']) expect(await found(q), q).toEqual(['joerg']);
      expect(await found('printer -jörg@bücher.de')).toEqual(['ascii']);
    });

    it('finds a decomposed text by the word typed composed, and a composed one by the word pasted decomposed', async () => {
      expect(await found('résumé')).toEqual(['decomposed']);
      expect(await found('"résumé attached"')).toEqual(['decomposed']);
      expect(await found('märz')).toEqual(['file']);
      expect(await found('Re\u0301sume\u0301')).toEqual(['decomposed']);
      expect(await found('cafe\u0301')).toEqual(['composed']);
      expect(await found('café')).toEqual(['composed']);
    });

    it('finds Greek in capitals by the word in small letters with its final sigma, and in capitals', async () => {
      expect(await found('οδος')).toEqual(['greekCapitals', 'greekSmall']);
      expect(await found('ΟΔΟΣ')).toEqual(['greekCapitals', 'greekSmall']);
      expect(await found('"οδος σταδιου"')).toEqual(['greekCapitals']);
      expect(await found('σταδιου')).toEqual(['greekCapitals']);
      expect(await found('παππάς')).toEqual(['greekCapitals']);
    });
  });
}
