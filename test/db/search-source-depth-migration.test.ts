/**
 * Migration 2026-12-20T0900: SQLite's search source folded in two views of half the depth, so a
 * SQLite before 3.46 (Debian 12's sqlite3) can read the database at all; the documents it gives are
 * the same before, after and after down. test/reliability/backup.sqlite.test.ts reads a database
 * with the machine's sqlite3.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { FakeClock } from '../support/clock.js';
import { intakeTicket } from '../support/intake.js';
import { describeMigration, migrateTo, migrator } from './migration-support.js';

const BEFORE = '2026-12-19T0900-search-folding';
const NAME = '2026-12-20T0900-search-source-depth';

describeMigration(NAME, (db, dialect, handle) => {
  it('gives the same folded documents as the one view before it, and down brings that view back', async () => {
    const ctx = { handle: handle(), clock: new FakeClock(), publicUrl: 'http://helpdesk.test' };
    const texts = ['Toner\u00a0cartridge\r\n   leaks', 'İZMİR\u2003office\t\tprinter', 'a\u0001\u0001b \u3000 c\ufeff'];
    for (const text of texts) await intakeTicket(ctx, { name: `İsmail ${text}`, email: 'ismail@example.com', title: text, description: `${text}\n\n${text}`, priority: 'low' });
    const documents = async () => (await sql<{ ticket_id: number; head: string; body: string; notes: string }>`select * from ticket_search_source order by ticket_id`.execute(db())).rows;
    const m = await migrator(db(), dialect);
    await migrateTo(m, BEFORE);
    const before = await documents();
    expect(before.map((d) => d.head)).toEqual([
      'Toner cartridge leaks İsmail Toner cartridge leaks ismail@example.com',
      'IZMIR office printer İsmail IZMIR office printer ismail@example.com',
      'a b c İsmail a b c ismail@example.com',
    ].map((head) => head.replaceAll('İ', 'I')));
    await migrateTo(m, NAME);
    expect(await documents()).toEqual(before);
    await migrateTo(m, BEFORE);
    expect(await documents()).toEqual(before);
    await migrateTo(m, NAME);
    expect(await documents()).toEqual(before);
  });
});
